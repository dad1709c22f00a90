/**
 * Constructor options for Schema classes built from values that are already valid (decoded parts,
 * usage, numbers): validating them again re-derives the Schema's type side on every call, which costs
 * more than the rest of a loop step. On the loop's path, give the fields that have defaults too: the
 * constructor filling in a default costs several times a whole construction. Listed in `src/PERFORMANCE.md`.
 */
export const trustedInput = { disableValidation: true } as const
