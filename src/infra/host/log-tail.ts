/**
 * Follows a local Envoy's log file into Portico's log. Envoy writes to a file, not to a pipe:
 * a pipe breaks when Portico dies, and Envoy then fails on every log line. The file is read from
 * where the tail starts (the end, for an Envoy adopted from an earlier Portico: its old lines
 * were logged then).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const POLL_MS = 500;
/** A line longer than this is logged in pieces rather than held back. */
const MAX_LINE = 16_384;

export class LogTail {
  private position: number;
  private partial = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly onLine: (line: string) => void,
    from: 'start' | 'end',
  ) {
    this.position = from === 'end' ? sizeOf(path) : 0;
    this.timer = setInterval(() => this.read(), POLL_MS);
    this.timer.unref();
  }

  /** Reads what was written since the last read (also called on stop, for the last lines). */
  read(): void {
    const size = sizeOf(this.path);
    if (size < this.position) this.position = 0; // truncated: a new run writes from the start
    if (size === this.position) return;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const buffer = Buffer.alloc(Math.min(size - this.position, 1 << 20));
      const n = readSync(fd, buffer, 0, buffer.length, this.position);
      this.position += n;
      const lines = (this.partial + buffer.subarray(0, n).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      if (this.partial.length > MAX_LINE) {
        lines.push(this.partial);
        this.partial = '';
      }
      for (const line of lines) if (line.trim() !== '') this.onLine(line);
    } finally {
      closeSync(fd);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.read();
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
