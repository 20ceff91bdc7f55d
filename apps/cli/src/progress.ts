import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface ProgressLine {
  label: string;
  total: number;
  unit: string;
}

export interface Progress {
  /** Sets bar `index` to `value` (and its total, when it grows). */
  update(index: number, value: number, total?: number): void;
  stop(): void;
}

/** Bars on a terminal; on anything else (CI logs, files) plain lines, at most one per bar per interval. */
export function createProgress(stream: NodeJS.WriteStream, lines: ProgressLine[], plainIntervalMs = 2000): Progress {
  return stream.isTTY ? new TerminalProgress(stream, lines) : new PlainProgress(stream, lines, plainIntervalMs);
}

class TerminalProgress implements Progress {
  private readonly multi: MultiBar;
  private readonly bars: SingleBar[];

  constructor(stream: NodeJS.WriteStream, lines: ProgressLine[]) {
    const width = Math.max(...lines.map((l) => l.label.length));
    this.multi = new MultiBar(
      { stream, format: '{label} [{bar}] {value}/{total} {unit}', hideCursor: true, clearOnComplete: false, autopadding: true },
      Presets.shades_classic,
    );
    this.bars = lines.map((l) => this.multi.create(l.total, 0, { label: l.label.padEnd(width), unit: l.unit }));
  }

  update(index: number, value: number, total?: number): void {
    const bar = this.bars[index];
    if (total !== undefined && total !== bar.getTotal()) bar.setTotal(total);
    bar.update(value);
  }

  stop(): void {
    this.multi.stop();
  }
}

class PlainProgress implements Progress {
  private readonly state: Array<{ value: number; total: number; printed: string; at: number }>;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly lines: ProgressLine[],
    private readonly intervalMs: number,
  ) {
    this.state = lines.map((l) => ({ value: 0, total: l.total, printed: '', at: 0 }));
  }

  update(index: number, value: number, total?: number): void {
    const s = this.state[index];
    s.value = value;
    if (total !== undefined) s.total = total;
    if (value >= s.total || Date.now() - s.at >= this.intervalMs) this.print(index);
  }

  /** Prints each bar's last state; a bar that never moved (the work failed before it began) stays silent. */
  stop(): void {
    for (let i = 0; i < this.state.length; i++) if (this.state[i].printed || this.state[i].value > 0) this.print(i);
  }

  private print(index: number): void {
    const s = this.state[index];
    const line = `${this.lines[index].label}: ${s.value}/${s.total} ${this.lines[index].unit}`;
    if (line === s.printed) return;
    s.printed = line;
    s.at = Date.now();
    this.stream.write(`${line}\n`);
  }
}
