/** The checked `network` mapping -> a Network, with the checks that span layers. */
import { Layer, Network, Parametrization } from './experimentTypes';
import { activationOf } from '../activations/registry';
import { CheckContext, INVALID, TaggedValue, childPath } from './check';
import { appendLayerFix } from './fixes';

/** Returns the network, or null when any part of it is invalid (already reported, or reported here). */
export function buildNetwork(raw: unknown, path: string, ctx: CheckContext): Network | null {
  if (raw === INVALID || typeof raw !== 'object' || raw === null) return null;
  const { parametrization, layers } = raw as { parametrization: Parametrization | typeof INVALID; layers: unknown };
  if (!Array.isArray(layers)) return null;
  const layersPath = childPath(path, 'layers');
  const tagged = layers as (TaggedValue | typeof INVALID)[];
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
    if (layer === INVALID || Object.values(layer.params).includes(INVALID)) {
      ok = false;
      continue;
    }
    const built = toLayer(layer);
    if (built) out.push(built);
    else ok = false;
  }
  if (!ok) return null;
  warnUnequalWidths(out, layersPath, ctx);
  return { parametrization: parametrization as Parametrization, layers: out };
}

function toLayer({ tag, params }: TaggedValue): Layer | null {
  if (tag === 'dense') {
    return { kind: 'dense', width: (params.width as number | null | undefined) ?? null, wStd: params.wStd as number, bStd: params.bStd as number };
  }
  const activation = activationOf(tag, params);
  return activation && { kind: 'activation', activation };
}

/** The indices of the hidden dense layers (every dense layer but the last). */
export function hiddenDenseIndices(network: Network): number[] {
  const dense = network.layers.map((l, i) => (l.kind === 'dense' ? i : -1)).filter((i) => i >= 0);
  return dense.slice(0, -1);
}

/** The one width every hidden dense layer states; null when some state none or they differ; undefined when there are none. */
export function statedHiddenWidth(network: Network): number | null | undefined {
  const widths = hiddenDenseIndices(network).map((i) => (network.layers[i] as { width: number | null }).width);
  if (widths.length === 0) return undefined;
  return widths.every((w) => w !== null && w === widths[0]) ? widths[0] : null;
}

function warnUnequalWidths(layers: Layer[], layersPath: string, ctx: CheckContext): void {
  const network: Network = { parametrization: 'ntk', layers };
  const stated = hiddenDenseIndices(network).filter((i) => (layers[i] as { width: number | null }).width !== null);
  const firstWidth = stated.length ? (layers[stated[0]] as { width: number }).width : null;
  const differing = stated.find((i) => (layers[i] as { width: number }).width !== firstWidth);
  if (differing === undefined) return;
  const p = childPath(childPath(layersPath, differing), 'dense');
  const widths = stated.map((i) => (layers[i] as { width: number }).width).join(', ');
  ctx.warn('unequal-hidden-widths', childPath(p, 'width'), `the hidden dense layers state different widths (${widths}); every finite run gives all hidden layers one width, from models.*.widths`, ctx.rangeOf(childPath(p, 'width')));
}
