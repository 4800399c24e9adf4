#!/usr/bin/env node
// Copies the PyTorch fixture files that the suite runs into this package's fixtures/ folder,
// which is published with the package so that the suite runs from npm without the repository.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = ['ops.json', 'nn.json', 'maml_composites.json', 'maml_sinusoid.json'];

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(packageDir, '../../fixtures');
const target = join(packageDir, 'fixtures');
mkdirSync(target, { recursive: true });
for (const file of FILES) copyFileSync(join(source, file), join(target, file));
