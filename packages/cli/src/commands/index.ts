/** Every command of the `alter` CLI, in the order `alter --help` lists them. */
import type { CommandSpec } from '../command.js';
import { approvalsApprove, approvalsDeny, approvalsList } from './approvals.js';
import { auditExport, auditTail, auditVerify } from './audit.js';
import { connect } from './connect.js';
import { doctor } from './doctor.js';
import { grantsList, grantsRevoke } from './grants.js';
import { keysRotate } from './keys.js';
import { storePrune } from './store.js';

export const COMMANDS: readonly CommandSpec[] = [
  grantsList,
  grantsRevoke,
  connect,
  approvalsList,
  approvalsApprove,
  approvalsDeny,
  auditTail,
  auditVerify,
  auditExport,
  keysRotate,
  storePrune,
  doctor,
];
