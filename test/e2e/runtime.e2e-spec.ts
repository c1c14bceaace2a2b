import { readFileSync } from 'node:fs';

/**
 * The tests run on the Node the project brings (the `node` devDependency, first on PATH under
 * `npm test`), which is the production image's major and satisfies `engines`.
 */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/m.exec(readFileSync('Dockerfile', 'utf8'));

it('runs on the Node major of the production image, pinned exactly in both places', () => {
  console.log(`tests run on Node ${process.version} (${process.execPath})`);
  expect(image).not.toBeNull();
  const [, major, minor, patch] = image!;
  expect(pkg.devDependencies.node).toBe(`${major}.${minor}.${patch}`);
  expect(process.version).toBe(`v${major}.${minor}.${patch}`);
  expect(pkg.engines.node).toBe(`>=${major}.${minor}.${patch} <${Number(major) + 1}`);
});
