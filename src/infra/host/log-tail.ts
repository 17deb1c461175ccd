/**
 * Follows a local Envoy's log file into Portico's log. Envoy writes to a file, not to a pipe:
 * a pipe breaks when Portico dies, and Envoy then fails on every log line. The file is read from
 * where the tail starts (the end, for an Envoy adopted from an earlier Portico: its old lines
 * were logged then).
 *
 * The file carries access logs too, one line per request: once everything in it has been read
 * and it holds more than `maxFileBytes` (64 MiB), it is emptied. Envoy writes to it in append
 * mode (the launcher opens it with O_APPEND), so its next line goes at the start of the emptied
 * file; a line written between the last read and the truncation is lost to the terminal.
 */
import { closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';

const POLL_MS = 500;
/** A line longer than this is logged in pieces rather than held back. */
const MAX_LINE = 16_384;
export const MAX_LOG_FILE_BYTES = 64 * 1024 * 1024;

export class LogTail {
  private position: number;
  private partial = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly onLine: (line: string) => void,
    from: 'start' | 'end',
    private readonly maxFileBytes = MAX_LOG_FILE_BYTES,
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
    if (this.position >= this.maxFileBytes && this.position === sizeOf(this.path)) {
      try {
        truncateSync(this.path, 0);
        this.position = 0;
      } catch {
        // Kept as it is; tried again after the next read.
      }
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
