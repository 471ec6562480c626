// ua-parser-js 1.x ships no types (2.x does, but is AGPL). The part of its API this module uses.
declare module 'ua-parser-js' {
  interface UAParserResult {
    ua: string;
    browser: { name?: string; version?: string; major?: string };
    engine: { name?: string; version?: string };
    os: { name?: string; version?: string };
    device: { vendor?: string; model?: string; type?: string };
    cpu: { architecture?: string };
  }
  class UAParser {
    constructor(ua?: string);
    getResult(): UAParserResult;
  }
  export default UAParser;
}
