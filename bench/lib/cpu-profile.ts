import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The functions that took the most CPU time of their own in the V8 profiles (`node --cpu-prof`) under `dir`, with
 * the share of the process's samples: where a process spent its core, for docs/benchmarks.md.
 */
export function topSelfTime(dir: string, limit = 12): string {
  const root = join(__dirname, '..', '..');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      let total = 0;
      profile.samples.forEach((id, i) => {
        const micros = profile.timeDeltas[i] ?? 0;
        total += micros;
        const frame = byId.get(id)!.callFrame;
        const where = frame.url
          ? `${relative(root, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`
          : '(native)';
        const key = `${frame.functionName || '(anonymous)'} ${where}`;
        self.set(key, (self.get(key) ?? 0) + micros);
      });
      const seconds = (profile.endTime - profile.startTime) / 1e6;
      const lines = [...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, limit)
        .map(
          ([name, micros]) =>
            `      ${((100 * micros) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${name}`,
        );
      return `    ${file} (${seconds.toFixed(0)} s profiled):\n${lines.join('\n')}`;
    })
    .join('\n');
}
