/**
 * The one Node.js major line ALT runs on, from the tests to AWS: the `node` package in
 * package.json (npm puts its binary first on PATH for `npm test`, `npm start`, `npm run alt`),
 * the Lambda runtime, the esbuild target of every bundle, and the collector hosts' AL2023 package.
 * Moving to another line is this constant, the `node` dependency and `engines` in package.json;
 * `node-line.test.ts` fails until all of them (and the vendor lists below) agree.
 */
export const NODE_MAJOR = 24;

/**
 * Node.js runtime identifiers Lambda supports, as its runtimes table lists them
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html: nodejs24.x, nodejs22.x, nodejs20.x).
 */
export const LAMBDA_NODE_RUNTIMES: readonly string[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'];

/**
 * Node.js majors Amazon Linux 2023 packages, each namespaced as `nodejs{MAJOR}` with the binary
 * `/usr/bin/node-{MAJOR}` (https://docs.aws.amazon.com/linux/al2023/ug/nodejs.html: "represented by
 * versions 20, 22 and 24").
 */
export const AL2023_NODE_MAJORS: readonly number[] = [20, 22, 24];

export const lambdaRuntime = (major: number) => `nodejs${major}.x`;
export const esbuildTarget = (major: number) => `node${major}`;
export const al2023NodePackage = (major: number) => `nodejs${major}`;
/**
 * The namespaced binary, not `/usr/bin/node`: that one is an `alternatives` link to whichever
 * installed version has priority (all have equal priority, so the first installed wins), and a
 * later `dnf install` of another nodejs package could move it under the running service.
 */
export const al2023NodeBinary = (major: number) => `/usr/bin/node-${major}`;
