// The package's root folder (the one with package.json), whether this module runs from
// src/ through tsx or compiled from dist/src/: files shipped beside the code, such as
// examples/, are found from here rather than by counting '..' from a module.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StocksyncError } from './errors.js';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new StocksyncError('NOT_FOUND', `no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
