import { describeEdge } from './testing/edge-suite.ts';
import { describeGraph } from './testing/graph-suite.ts';
import { describeStack } from './testing/stack-suite.ts';

describeStack('prod');
describeGraph('prod');
describeEdge('prod');
