import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/*
 * What the sandbox's own endpoints must not forget when the process dies (a kill -9, a crash, the
 * laptop's lid): where each workflow execution is, which published messages are not yet handled,
 * what was sent. On AWS the services keep these; the sandbox keeps them in files beside DynamoDB's data.
 *
 * Each record is one file, replaced whole by a rename, so a record read back is one that was
 * written whole. Writes are synchronous: a record is on disk (in the page cache, which outlives the
 * process) before the caller goes on to act on it.
 */
export class Journal<T> {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(key: string): string {
    if (!/^[A-Za-z0-9_.-]{1,120}$/.test(key)) throw new Error(`journal key "${key}" is not a file name`);
    return join(this.dir, `${key}.json`);
  }

  save(key: string, record: T): void {
    const path = this.path(key);
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  }

  remove(key: string): void {
    rmSync(this.path(key), { force: true });
  }

  /** Every record, oldest key first (keys that sort by time keep their order). */
  all(): Array<{ key: string; record: T }> {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({
        key: file.slice(0, -'.json'.length),
        record: JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T,
      }));
  }
}

/** An append-only log of lines, read back whole: what an endpoint accepted, in order. */
export class Ledger<T> {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: T): void {
    writeFileSync(this.path, `${JSON.stringify(record)}\n`, { flag: 'a' });
  }

  read(): T[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A line cut short by a crash in the middle of its write is not a record.
    return text
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as T];
        } catch {
          return [];
        }
      });
  }
}
