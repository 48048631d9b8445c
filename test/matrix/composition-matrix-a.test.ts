import {matrixCasesA} from './cases.ts';
import {defineMatrixSuite} from './helpers/define-matrix-suite.ts';

defineMatrixSuite('a', matrixCasesA);
