// Extra webpack settings merged by @jupyterlab/builder. lib/index.js is already minified by esbuild
// (plotly.js ships minified too), and running terser over 5 MB again only costs minutes.
module.exports = { optimization: { minimize: false } };
