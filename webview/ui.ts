/**
 * The one module that knows the control library: @vscode-elements/elements (Lit web components in
 * VS Code's look; the maintained successor of @vscode/webview-ui-toolkit, archived in 2025). Views
 * build controls only through these functions, so swapping the library means rewriting this file
 * alone. Every control gets a visible or an accessible label and is reachable with Tab.
 *
 * The elements register themselves when their modules load (the side-effect imports below). They
 * style through constructable stylesheets (adoptedStyleSheets) and set element styles through the
 * CSSOM, never a style attribute, so the panel CSP needs no 'unsafe-inline'. No icons are used, so
 * no codicon stylesheet is loaded.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';

const tags = ['vscode-badge', 'vscode-button', 'vscode-checkbox', 'vscode-option', 'vscode-single-select', 'vscode-textfield'] as const;

/** The imports above define the elements; this checks that the bundle kept them. */
export function registerControls(): void {
  const missing = tags.filter((t) => !customElements.get(t));
  if (missing.length) throw new Error(`controls not registered: ${missing.join(', ')}`);
}

let ids = 0;
export function uniqueId(prefix: string): string {
  return `${prefix}-${++ids}`;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; attrs?: Record<string, string> } = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary';
  /** Spoken and shown as a tooltip when the visible text is short ("PNG"). */
  ariaLabel?: string;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  // The element is the button itself (role="button", tabindex 0), so its aria-label names it.
  b.secondary = (options.appearance ?? 'secondary') === 'secondary';
  if (options.ariaLabel) {
    b.setAttribute('aria-label', options.ariaLabel);
    b.setAttribute('title', options.ariaLabel);
  }
  // Enter and Space arrive as a click too.
  b.addEventListener('click', () => onClick());
  return b;
}

export interface Toggle {
  element: HTMLElement;
  set(checked: boolean): void;
}

/**
 * Leaves `name` the only part of `label` that screen readers read: every branch of `label` that
 * does not hold it is aria-hidden (still shown). The checkbox's focusable input sits in the
 * element's shadow root, labelled by a <label> around the slotted content, so aria-labelledby
 * from outside cannot reach it.
 */
function nameOnly(label: Node, name: HTMLElement): void {
  for (let node: HTMLElement = name; node !== label && node.parentElement; node = node.parentElement) {
    for (const sibling of node.parentElement.children) if (sibling !== node) sibling.setAttribute('aria-hidden', 'true');
    if (node.parentElement === label) break;
  }
}

/**
 * A checkbox whose label may hold rich content (a colour swatch, a live value). `nameFrom` is the
 * part of the label that names it for screen readers: the label's other parts (the live value)
 * are hidden from them, or the name would change with every cursor move.
 */
export function checkbox(label: Node | string, checked: boolean, onChange: (checked: boolean) => void, nameFrom?: HTMLElement): Toggle {
  const c = document.createElement('vscode-checkbox');
  c.append(label);
  if (nameFrom && typeof label !== 'string') nameOnly(label, nameFrom);
  c.checked = checked;
  // Fired by the user's click or Space only, not by `checked` set from code.
  c.addEventListener('change', () => onChange(c.checked));
  return {
    element: c,
    set(value: boolean) {
      if (c.checked !== value) c.checked = value;
    },
  };
}

export interface Choice<T extends string> {
  element: HTMLElement;
  set(value: T): void;
}

/**
 * A labelled dropdown: the visible label is also the select's accessible name (its `label`,
 * which the element puts on its combobox and listbox inside the shadow root).
 */
export function dropdown<T extends string>(label: string, options: { value: T; label: string }[], value: T, onChange: (value: T) => void): Choice<T> {
  const wrap = el('span', { className: 'control' });
  const caption = el('span', { className: 'control-label', text: label, attrs: { 'aria-hidden': 'true' } });
  const d = document.createElement('vscode-single-select');
  d.label = label;
  for (const o of options) {
    const opt = document.createElement('vscode-option');
    opt.value = o.value;
    opt.textContent = o.label;
    opt.selected = o.value === value;
    d.append(opt);
  }
  // Fired when the user picks an option, not when `value` is set from code.
  d.addEventListener('change', () => onChange(d.value as T));
  wrap.append(caption, d);
  return {
    element: wrap,
    set(v: T) {
      if (d.value !== v) d.value = v;
    },
  };
}

/** A status badge (the library's pill-shaped counter look). */
export function badge(text: string, ariaLabel?: string): HTMLElement {
  const b = document.createElement('vscode-badge');
  b.className = 'badge';
  b.variant = 'counter';
  b.textContent = text;
  if (ariaLabel) b.setAttribute('aria-label', ariaLabel);
  return b;
}

export interface TextField {
  element: HTMLElement;
  set(value: string): void;
  /** Marks the field invalid (its message as the tooltip), or valid with null. */
  invalid(message: string | null): void;
}

/**
 * A text input named by `label` (its accessible name, on the inner input), calling `onInput` as
 * the user types. `visibleLabel` false: the label is spoken and shown as a tooltip only (a filter
 * cell under its column's header).
 */
export function textField(label: string, value: string, onInput: (value: string) => void, options: { placeholder?: string; visibleLabel?: boolean } = {}): TextField {
  const t = document.createElement('vscode-textfield');
  t.label = label;
  t.value = value;
  if (options.placeholder) t.placeholder = options.placeholder;
  t.setAttribute('title', label);
  t.addEventListener('input', () => onInput(t.value));
  const element = options.visibleLabel === false ? t : el('span', { className: 'control' }, [el('span', { className: 'control-label', text: label, attrs: { 'aria-hidden': 'true' } }), t]);
  return {
    element,
    set(v: string) {
      if (t.value !== v) t.value = v;
    },
    invalid(message: string | null) {
      t.invalid = message !== null;
      t.setAttribute('title', message ?? label);
    },
  };
}
