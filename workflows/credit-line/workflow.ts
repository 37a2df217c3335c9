import type { UpdateDefinition } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { CreditLine, type LineUpdateHandler } from './handlers/credit-line.js';
import type { CreditLineActivities } from './model/activities.js';
import {
  creditLineQuery,
  drawRefundedSignal,
  LINE_UPDATE_NAMES,
  LINE_UPDATES,
  type LineUpdateName,
} from './model/messages.js';
import { answerOf, type CreditLineInput, type CreditLineSnapshot, type LineAnswer } from './model/state.js';
import { DrawStepSchema } from './schemas/commands.js';

const events = proxyActivities<CreditLineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

function register<N extends LineUpdateName>(line: CreditLine, name: N, handler: LineUpdateHandler<N>): void {
  const update: UpdateDefinition<LineAnswer, [unknown]> = LINE_UPDATES[name];
  setHandler(update, async (arg) => answerOf(await handler.handle(line.parse(name, arg))), {
    description: handler.description,
    validator: (arg) => handler.validate(line.parse(name, arg)),
  });
}

/**
 * One durable workflow per credit line (`credit-line-<lineId>`, docs/credit.md), alive for as
 * long as the line: it scores the application, waits for the underwriter, then lends, bills and
 * is repaid. The rules are in CreditLine; this function registers its Updates, stores its events
 * in order, waits on its deadlines, and continues as new at each statement, so that no run's
 * history grows with the line's age.
 */
export async function creditLine(input: CreditLineInput): Promise<CreditLineSnapshot> {
  const line = new CreditLine(input);
  for (const name of LINE_UPDATE_NAMES) register(line, name, line.updates[name]);
  setHandler(
    drawRefundedSignal,
    async (arg) => {
      // Anyone may send a Signal: a malformed one is dropped, a well-formed one only makes the line read the ledger.
      const step = DrawStepSchema.safeParse(arg);
      if (step.success) await line.applyRefund(step.data);
    },
    {
      description:
        'A financed order refunded a draw to the line: { orderId, reference }; the amount is the ledger’s.',
    },
  );
  setHandler(creditLineQuery, () => line.state, {
    description: 'The line: status, limit, principal, interest due, draws, statements, scorecard.',
  });

  let storing = false;
  const store = async () => {
    storing = true;
    while (line.eventsPending) await events.recordCreditLineEvents({ events: line.takeEvents() });
    storing = false;
  };
  const settled = () => !line.eventsPending && !storing && line.inFlight === 0;
  void (async () => {
    for (;;) {
      await condition(() => line.eventsPending && !storing);
      await store();
    }
  })();

  if (input.carried) line.publish();
  else {
    line.applied();
    await line.score();
  }

  while (!line.finished) {
    const deadline = line.nextDeadline();
    const changes = line.changes;
    const moved = () => line.changes !== changes;
    const wait = deadline === undefined ? undefined : Math.max(1, Date.parse(deadline) - Date.now());
    if (wait === undefined) await condition(moved);
    else if (!(await condition(moved, wait))) {
      const { statementDue } = line.deadlinesPassed();
      if (statementDue) {
        // Money in flight is part of this period's figures; the statement waits for it.
        await condition(() => line.inFlight === 0);
        await line.closeStatement();
        await condition(() => settled() && allHandlersFinished());
        return continueAsNew<typeof creditLine>({ ...input, carried: line.state });
      }
    }
  }
  await condition(() => settled() && allHandlersFinished());
  return line.state;
}
