// The live chart: requests per second of each backend over the last minute,
// drawn with uPlot.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const POINTS = 120;
const COLORS: Readonly<Record<string, string>> = { select: '#cf222e', poll: '#bf8700', epoll: '#1a7f37' };

export class RateChart {
  private readonly plot: uPlot;
  private readonly data: number[][];

  constructor(container: HTMLElement, readonly backends: readonly string[]) {
    this.data = [[], ...backends.map(() => [])];
    this.plot = new uPlot(
      {
        width: Math.max(320, container.clientWidth - 16),
        height: 260,
        title: 'verified echoes per second',
        scales: { x: { time: false } },
        axes: [{ label: 'seconds' }, { label: 'req/s', size: 70 }],
        series: [{ label: 's' }, ...backends.map((b) => ({ label: b, stroke: COLORS[b] ?? '#333', width: 2 }))],
      },
      this.data as uPlot.AlignedData,
      container,
    );
    window.addEventListener('resize', () => this.plot.setSize({ width: Math.max(320, container.clientWidth - 16), height: 260 }));
  }

  add(seconds: number, rates: readonly number[]): void {
    this.data[0]!.push(seconds);
    rates.forEach((r, i) => this.data[i + 1]!.push(r));
    if (this.data[0]!.length > POINTS) for (const column of this.data) column.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}
