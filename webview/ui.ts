/**
 * The one module that knows the control library: @vscode/webview-ui-toolkit (deprecated upstream
 * in 2025, kept because the product's owner chose it). Views build controls only through these
 * functions, so swapping the library means rewriting this file alone. Every control gets a
 * visible or an accessible label and is reachable with Tab.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption } from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerControls(): void {
  if (registered) return;
  registered = true;
  // Not vscode-badge: its template binds an inline style attribute, which the CSP refuses.
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption());
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
  appearance?: 'primary' | 'secondary' | 'icon';
  /** Spoken and shown as a tooltip when the visible text is short ("PNG"). */
  ariaLabel?: string;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.setAttribute('appearance', options.appearance ?? 'secondary');
  if (options.ariaLabel) {
    b.setAttribute('aria-label', options.ariaLabel);
    b.setAttribute('title', options.ariaLabel);
  }
  b.addEventListener('click', () => onClick());
  return b;
}

export interface Toggle {
  element: HTMLElement;
  set(checked: boolean): void;
}

/**
 * A checkbox whose label may hold rich content (a colour swatch, a live value). `nameFrom` is the
 * part of the label that names it for screen readers (aria-labelledby): the toolkit would
 * otherwise take the whole text, live value included, as its name.
 */
export function checkbox(label: Node | string, checked: boolean, onChange: (checked: boolean) => void, nameFrom?: HTMLElement): Toggle {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.append(label);
  if (nameFrom) {
    nameFrom.id ||= uniqueId('name');
    c.setAttribute('aria-labelledby', nameFrom.id);
  }
  c.checked = checked;
  if (checked) c.setAttribute('checked', '');
  c.addEventListener('change', () => onChange(!!c.checked));
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

/** A labelled dropdown: the visible label names it for screen readers (aria-labelledby). */
export function dropdown<T extends string>(label: string, options: { value: T; label: string }[], value: T, onChange: (value: T) => void): Choice<T> {
  const id = uniqueId('dd');
  const wrap = el('span', { className: 'control' });
  const caption = el('span', { className: 'control-label', text: label, attrs: { id } });
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  d.setAttribute('aria-labelledby', id);
  for (const o of options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.setAttribute('value', o.value);
    opt.textContent = o.label;
    if (o.value === value) opt.setAttribute('selected', '');
    d.append(opt);
  }
  d.addEventListener('change', () => onChange(d.value as T));
  wrap.append(caption, d);
  return {
    element: wrap,
    set(v: T) {
      if (d.value !== v) d.value = v;
    },
  };
}

/** A status badge in the toolkit's look (a plain element: see registerControls). */
export function badge(text: string, ariaLabel?: string): HTMLElement {
  const b = el('span', { className: 'badge', text });
  if (ariaLabel) b.setAttribute('aria-label', ariaLabel);
  return b;
}
