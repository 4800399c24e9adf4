import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const resolver = createRequire(import.meta.url);

/**
 * Returns the installed version of a package, found by walking up from its resolved entry to
 * the package.json that carries its name (many packages do not export their package.json).
 */
export function packageVersion(name: string): string {
  let dir = dirname(resolver.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`packageVersion: no package.json named '${name}' above its entry`);
    dir = parent;
  }
}
