import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

/**
 * Returns the folder of the Omniglot files shipped with this package (`data/omniglot`).
 * Both `src/` and `dist/` sit one level below the package root, so one relative path serves
 * the tests, the ESM build and the CJS build (where tsup shims `import.meta.url`).
 */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../data/omniglot/', import.meta.url));
}

/** Reports whether a zip entry is macOS metadata rather than data. */
function isMacMetadata(name: string): boolean {
  return name.startsWith('__MACOSX/') || name === '.DS_Store' || name.endsWith('/.DS_Store');
}

/**
 * Reads every file of a zip archive into memory, keyed by its path inside the archive.
 * Folder entries, `__MACOSX/` entries and `.DS_Store` files are skipped.
 */
export function readZip(dataDir: string, fileName: string): Map<string, Uint8Array> {
  const path = join(dataDir, fileName);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(
      `Omniglot archive not found or unreadable: ${path}. ` +
        'Pass dataDir pointing at a folder that contains the Omniglot zip files.',
      { cause: error },
    );
  }
  const entries = unzipSync(bytes, {
    filter: (file) => !file.name.endsWith('/') && !isMacMetadata(file.name),
  });
  return new Map(Object.entries(entries));
}
