export async function runNotebook(_a: unknown): Promise<number> { return 1; }
