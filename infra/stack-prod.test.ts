import { describeEdge } from './testing/edge-suite.ts';
import { describeStack } from './testing/stack-suite.ts';

describeStack('prod');
describeEdge('prod');
