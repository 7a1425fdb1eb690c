/**
 * Runs `run` with `target[name]` (a method, usually on a class's prototype) wrapped to count its
 * calls, those whose result `counts` accepts (every call by default), and restores the method
 * afterwards, also when `run` throws.
 */
export async function countingCalls<T extends object, R>(
  target: T,
  name: keyof T & string,
  run: () => R | Promise<R>,
  counts: (result: unknown) => boolean = () => true,
): Promise<{ result: R; calls: number }> {
  const methods = target as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = methods[name];
  let calls = 0;
  methods[name] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (counts(result)) calls++;
    return result;
  };
  try {
    return { result: await run(), calls };
  } finally {
    methods[name] = original;
  }
}

/** One method for `countingEach` to count: `countingCalls`' arguments but the run. */
export interface CountedMethod {
  target: object;
  name: string;
  counts?: (result: unknown) => boolean;
}

/** `countingCalls` for several methods at once: the calls of each, in the order given. */
export async function countingEach<R>(
  methods: readonly CountedMethod[],
  run: () => R | Promise<R>,
): Promise<{ result: R; calls: number[] }> {
  if (methods.length === 0) return { result: await run(), calls: [] };
  const [first, ...rest] = methods;
  const inner = await countingCalls(first.target as Record<string, unknown>, first.name, () => countingEach(rest, run), first.counts);
  return { result: inner.result.result, calls: [inner.calls, ...inner.result.calls] };
}
