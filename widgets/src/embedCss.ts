/**
 * The stylesheets of the standard controls and lumino, inlined by widgets/build.mjs (the virtual
 * module 'tunelab:controls-css') and added to the page once, so the embed bundle is one file.
 */
// @ts-expect-error -- a virtual module provided by the build, unknown to the type checker
import css from 'tunelab:controls-css';

if (typeof document !== 'undefined' && !document.getElementById('tunelab-controls-css')) {
  const style = document.createElement('style');
  style.id = 'tunelab-controls-css';
  style.textContent = css as string;
  document.head.appendChild(style);
}
