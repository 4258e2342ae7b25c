"""The kitchen's pure rules: recipes, deduction by step, lot clocks, counts and variance.

How the edge pipeline uses it (and the cloud, for the same answers):

1. Master data (``domain.masterdata.MasterData``: items, locations, recipes, menu,
   modifiers) and clock rules (``domain.kitchen.clocks.rules.ClockRules``) are validated at
   load; an error names the part and field.
2. An order line → ``explosion.explode(master, OrderLine(...))`` → ``PlannedStep`` per step
   (the station tickets). A confirmed step → ``deduction.deduct(master, step, StepDone(...),
   StockView)`` → ``stock.step_consumed`` / ``stock.produced`` drafts and the stock after.
3. Lot clocks (``clocks``) are reducers: ``step(rule, state, input) → (state, drafts)``;
   an expired clock blocks its lot (``lot.blocked``, cause ``clock:<kind>:<lot>``), which
   FEFO then skips; a thawing lot's ``ready_at`` makes FEFO skip it as not ready.
4. ``counts.replay`` folds events with counts as snapshots in time; ``variance.variance``
   explains the difference between what should be there and what was counted.
"""
