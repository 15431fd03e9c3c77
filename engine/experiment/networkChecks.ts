/** The checked `network` mapping -> a Network, with the checks that span layers. */
import { DenseLayer, Layer, Network } from './experimentTypes';
import { activationOf } from '../activations/registry';
import { CheckContext, INVALID, childPath, complete } from './check';
import type { Checked, Infer } from './schemaDsl';
import type { layerSchema, networkSchema } from './schema';
import { appendLayerFix } from './fixes';

/** Returns the network, or null when any part of it is invalid (already reported, or reported here). */
export function buildNetwork(raw: Checked<typeof networkSchema>, path: string, ctx: CheckContext): Network | null {
  if (raw === INVALID) return null;
  const { parametrization, layers: tagged } = raw;
  if (tagged === INVALID) return null;
  const layersPath = childPath(path, 'layers');
  let ok = parametrization !== INVALID;
  const first = tagged[0];
  if (first !== undefined && first !== INVALID && first.tag !== 'dense') {
    ctx.error('network-must-start-with-dense', childPath(layersPath, 0), `the first layer must be dense (inputs enter through a dense layer), got ${first.tag}`, ctx.rangeOf(childPath(layersPath, 0)));
    ok = false;
  }
  const lastIndex = tagged.length - 1;
  const last = tagged[lastIndex];
  if (lastIndex > 0 && last !== undefined && last !== INVALID && last.tag !== 'dense') {
    const seq = ctx.nodes.get(layersPath);
    const fix = ctx.source && seq?.kind === 'seq' ? appendLayerFix(ctx.source, seq, 'dense') : undefined;
    ctx.error('network-must-end-with-dense', childPath(layersPath, lastIndex), `the last layer must be dense (the readout), got ${last.tag}; add "- dense" after it`, ctx.rangeOf(childPath(layersPath, lastIndex)), fix);
    ok = false;
  }
  const out: Layer[] = [];
  for (const layer of tagged) {
    const whole = complete(layer);
    const built = whole === INVALID ? null : toLayer(whole);
    if (built) out.push(built);
    else ok = false;
  }
  if (!ok || parametrization === INVALID) return null;
  warnUnequalWidths(out, layersPath, ctx);
  return { parametrization, layers: out };
}

function toLayer(layer: Infer<typeof layerSchema>): Layer | null {
  if (layer.tag === 'dense') {
    const { width, wStd, bStd } = layer.params;
    return { kind: 'dense', width, wStd, bStd };
  }
  const activation = activationOf(layer.tag, layer.params);
  return activation && { kind: 'activation', activation };
}

/** The hidden dense layers (every dense layer but the last), each with its index in `layers`. */
function hiddenDenseLayers(layers: readonly Layer[]): { index: number; layer: DenseLayer }[] {
  const dense = layers.flatMap((layer, index) => (layer.kind === 'dense' ? [{ index, layer }] : []));
  return dense.slice(0, -1);
}

/** The indices of the hidden dense layers (every dense layer but the last). */
export function hiddenDenseIndices(network: Network): number[] {
  return hiddenDenseLayers(network.layers).map((d) => d.index);
}

/** The one width every hidden dense layer states; null when some state none or they differ; undefined when there are none. */
export function statedHiddenWidth(network: Network): number | null | undefined {
  const widths = hiddenDenseLayers(network.layers).map((d) => d.layer.width);
  if (widths.length === 0) return undefined;
  return widths.every((w) => w !== null && w === widths[0]) ? widths[0] : null;
}

function warnUnequalWidths(layers: Layer[], layersPath: string, ctx: CheckContext): void {
  const stated = hiddenDenseLayers(layers).flatMap(({ index, layer }) => (layer.width === null ? [] : [{ index, width: layer.width }]));
  const firstWidth = stated.length ? stated[0].width : null;
  const differing = stated.find((d) => d.width !== firstWidth)?.index;
  if (differing === undefined) return;
  const p = childPath(childPath(layersPath, differing), 'dense');
  const widths = stated.map((d) => d.width).join(', ');
  ctx.warn('unequal-hidden-widths', childPath(p, 'width'), `the hidden dense layers state different widths (${widths}); every finite run gives all hidden layers one width, from models.*.widths`, ctx.rangeOf(childPath(p, 'width')));
}
