// A CommonJS package loaded with import(): Node's own loader offers its exports both by name and as
// `default`, but the bundle (esbuild, splitting on) only as `default`. Reading `default` works in both.
export function commonJs<T extends object>(namespace: T): T {
  return (namespace as { default?: T }).default ?? namespace;
}
