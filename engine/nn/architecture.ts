/**
 * The network as the math sees it (SCIENCE.md section 2): L hidden blocks, each a dense layer
 * followed by its activation, then a dense readout. Two dense layers in a row have the identity
 * between them; several activations in a row compose (phi2(phi1(h))). Validation guarantees the
 * network starts and ends with a dense layer.
 */
import { Activation, DenseLayer, Network, Parametrization } from '../experiment/experimentTypes';

export interface HiddenBlock {
  /** The dense layer that produces the pre-activation h_l. */
  dense: DenseLayer;
  /** Applied in order to h_l; empty means identity. */
  activations: Activation[];
}

export interface Architecture {
  parametrization: Parametrization;
  hidden: HiddenBlock[];
  readout: DenseLayer;
}

export function architectureOf(network: Network): Architecture {
  const layers = network.layers;
  if (layers.length === 0 || layers[0].kind !== 'dense') {
    throw new RangeError('network: the first layer must be dense');
  }
  const last = layers[layers.length - 1];
  if (last.kind !== 'dense') throw new RangeError('network: the last layer must be dense (the readout)');
  const hidden: HiddenBlock[] = [];
  for (let i = 0; i < layers.length - 1; i++) {
    const layer = layers[i];
    if (layer.kind === 'dense') hidden.push({ dense: layer, activations: [] });
    else hidden[hidden.length - 1].activations.push(layer.activation);
  }
  return { parametrization: network.parametrization, hidden, readout: last };
}
