// A folder on this machine (`source: file:///var/feeds/acme`).
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CsvFeedOptions } from '../../config/csv-feed.js';
import { ConnectorError } from '../errors.js';
import { newestFile, type FolderEntry } from './pick.js';
import type { FeedSource } from './source.js';

export function localSource(o: CsvFeedOptions): FeedSource {
  const dir = decodeURIComponent(o.source.pathname);
  return {
    async openLatest(skip) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        throw new ConnectorError('NOT_FOUND', `feed folder ${dir} cannot be read: ${(e as Error).message}`);
      }
      const entries: FolderEntry[] = [];
      for (const name of names) {
        const s = await stat(path.join(dir, name)).catch(() => null); // gone meanwhile
        if (s?.isFile()) entries.push({ name, mtime: s.mtime });
      }
      const newest = newestFile(o, entries);
      if (newest === null || (await skip(newest))) return null;
      const file = await open(path.join(dir, newest.name), 'r');
      const before = await file.stat();
      // Compared as Dates (whole ms), as the listing saw them: mtimeMs carries a sub-ms fraction.
      const changed = (s: { size: number; mtime: Date }, was: { size?: number; mtime: Date }) =>
        s.mtime.getTime() !== was.mtime.getTime() || (was.size !== undefined && s.size !== was.size);
      // Replaced between the listing and the open: read it at the next poll, as it is then.
      if (changed(before, { mtime: newest.entry.mtime })) {
        await file.close();
        throw new ConnectorError('SERVER', `${newest.name} changed while being opened; read again at the next poll`);
      }
      return {
        info: { name: newest.name, observedAt: newest.observedAt },
        stream: file.createReadStream({ autoClose: false, start: 0 }),
        // A rename over the file leaves our descriptor on the old one, complete; a write in
        // place changes what the descriptor reads: refuse that reading.
        async verify() {
          if (changed(await file.stat(), before))
            throw new ConnectorError('SERVER', `${newest.name} was rewritten while being read; read again at the next poll`);
        },
        close: () => file.close().catch(() => undefined),
      };
    },
  };
}
