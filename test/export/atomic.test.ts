/** Atomic writes leave nothing behind, and the next write clears what a killed writer left. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepAbandonedWrites, writeFileAtomically } from '../../src/main/lab/export/atomic';
import { tempDir } from '../helpers/lab';
import { deadPid } from '../helpers/runs';

describe('atomic writes', () => {
  it('remove the temporary files of earlier writes whose process was killed, and no others', () => {
    const dir = tempDir();
    const file = join(dir, 'cases.csv');
    const killed = join(dir, `.cases.csv.${deadPid()}-0badf00d.tmp`);
    const running = join(dir, `.cases.csv.${process.ppid}-12345678.tmp`); // a live process's write
    const otherTarget = join(dir, `.other.csv.${deadPid()}-0badf00d.tmp`);
    for (const leftover of [killed, running, otherTarget]) writeFileSync(leftover, 'half a table');
    writeFileAtomically(file, 'the table');
    expect(readFileSync(file, 'utf8')).toBe('the table');
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(otherTarget)).toBe(true); // swept when other.csv is written
    expect(sweepAbandonedWrites(join(dir, 'other.csv'))).toEqual([otherTarget]);
    expect(readdirSync(dir).sort()).toEqual([`.cases.csv.${process.ppid}-12345678.tmp`, 'cases.csv']);
  });

  it('name the file when the write fails', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), '');
    expect(() => writeFileAtomically(join(dir, 'not-a-folder', 'figure.svg'), '<svg/>')).toThrow(
      new RegExp(`^could not write ${join(dir, 'not-a-folder', 'figure.svg')}: `),
    );
  });
});
