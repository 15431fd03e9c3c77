// Stylesheets imported for esbuild to bundle into dist/webview/<entry>.css.
declare module '*.css';
