/**
 * Minibatch schedules shared by every model of an experiment: the same experiment seed gives every
 * model (finite or infinite) the same batches at the same steps, so their curves are comparable.
 * Epochs are seeded permutations of the training set; batches are consecutive slices of them
 * (a short last slice at the end of an epoch is kept as is).
 */
import { Rng } from '../util/rng';
import type { BatchSize } from '../experiment/experimentTypes';

export class BatchSchedule {
  private readonly permutations = new Map<number, Int32Array>();
  readonly size: number;
  readonly batchesPerEpoch: number;

  constructor(
    readonly n: number,
    batchSize: BatchSize,
    private readonly seed: number,
  ) {
    this.size = batchSize === 'full' ? n : Math.min(n, batchSize);
    this.batchesPerEpoch = Math.ceil(n / this.size);
  }

  get fullBatch(): boolean {
    return this.size === this.n;
  }

  /** Indices (into the training set) of the batch used at optimization step `step` (0-based). */
  batch(step: number): Int32Array {
    if (this.fullBatch) return this.permutation(-1);
    const epoch = Math.floor(step / this.batchesPerEpoch);
    const start = (step % this.batchesPerEpoch) * this.size;
    const perm = this.permutation(epoch);
    // Only one or two epochs are live at a time; drop older ones.
    for (const key of this.permutations.keys()) if (key < epoch - 1) this.permutations.delete(key);
    return perm.subarray(start, Math.min(this.n, start + this.size));
  }

  private permutation(epoch: number): Int32Array {
    let perm = this.permutations.get(epoch);
    if (!perm) {
      perm = new Int32Array(this.n);
      for (let i = 0; i < this.n; i++) perm[i] = i;
      if (epoch >= 0) Rng.derive(this.seed, 'batches', epoch).shuffle(perm);
      this.permutations.set(epoch, perm);
    }
    return perm;
  }
}
