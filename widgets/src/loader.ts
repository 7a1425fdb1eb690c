/** Module loader for html-manager: tunelab's own views come from this bundle, nothing else is fetched. */
export function loaderFor(views: { MODULE_NAME: string }): (moduleName: string, moduleVersion: string) => Promise<unknown> {
  return (moduleName, moduleVersion) => {
    if (moduleName === views.MODULE_NAME) return Promise.resolve(views);
    return Promise.reject(new Error(`tunelab widgets: no module ${moduleName}@${moduleVersion} in this bundle`));
  };
}
