import {matrixCasesB} from './cases.ts';
import {defineMatrixSuite} from './helpers/define-matrix-suite.ts';

defineMatrixSuite('b', matrixCasesB);
