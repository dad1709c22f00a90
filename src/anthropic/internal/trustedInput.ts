/**
 * Constructor options for Schema classes built from values that are valid by construction (decoded
 * already): validation would re-derive the Schema's type side per value. The conversation's own
 * classes on a hot path are built with `Message.unvalidated` instead, which also skips the
 * constructor's copies (see `src/PERFORMANCE.md`).
 * @since 0.1.0
 * @category constants
 */
export const trustedInput = { disableValidation: true } as const
