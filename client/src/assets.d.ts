// Stylesheets are bundled as text (scripts/build-client.mjs: loader '.css' → 'text') so a
// component can adopt them inside its shadow root.
declare module '*.css' {
  const text: string;
  export default text;
}
