import { describeStack } from './testing/stack-suite.ts';

describeStack('prod');
