/**
 * Constructor options for Schema classes built from values that are already valid (decoded parts,
 * usage, numbers): validating them again re-derives the Schema's type side on every call, which costs
 * more than the rest of a loop step. Listed in `src/PERFORMANCE.md`.
 */
export const trustedInput = { disableValidation: true } as const
