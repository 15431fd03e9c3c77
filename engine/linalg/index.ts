/** Float64 dense linear algebra for kernel methods (row-major Float64Array, as engine/util/matrix.ts). */
export {
  addDiagonal, asymmetry, frobeniusNorm, gemmNT, matmul, matmulNT, matmulTN, matTvec, matvec, mirrorLower, syrk, transpose,
} from './blas';
export { cholesky, choleskySolve, firstRetryDiagReg, logDetFromCholesky, solveSpd } from './cholesky';
export type { SolveSpdOptions, SpdSolution } from './cholesky';
export { eighSymmetric, eigvalsSymmetric } from './eigh';
export type { SymmetricEigen } from './eigh';
export { choleskyConditionBound, choleskyConditionEstimate, conditionFromEigenvalues } from './condition';
export type { ConditionEstimate } from './condition';
export { applySpectralFunction, eigenCoordinates, fromEigenCoordinates, spectralWeights } from './spectral';
export type { SpectralFunction } from './spectral';
export { choleskyFloat32, Float32Cholesky, FLOAT32_BLOCK } from './choleskyFloat32';
export { MIXED_BACKWARD_TOL, MIXED_MAX_ITERATIONS, normwiseBackwardError, solveSpdMixed } from './mixedSolve';
export type { MixedSolveOptions, MixedSpdSolution } from './mixedSolve';
