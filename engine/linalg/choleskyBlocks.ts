/**
 * The float32 Cholesky's block sizes (choleskyFloat32.ts), in a module free of tfjs so that the memory
 * estimates (experiment/memory.ts) count its lanes with the very sizes they run.
 */

/** Block width: large enough that the panel matMuls run at full speed, small enough for the JS blocks. */
export const FLOAT32_BLOCK = 256;
/** Rows of the trailing update per matMul (output ROW_BLOCK x up to n floats). */
export const ROW_BLOCK = 1024;
