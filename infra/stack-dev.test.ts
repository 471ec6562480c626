import { describeEdge } from './testing/edge-suite.ts';
import { describeGraph } from './testing/graph-suite.ts';
import { describeStack } from './testing/stack-suite.ts';

describeStack('dev');
describeGraph('dev');
describeEdge('dev');
