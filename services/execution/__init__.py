"""Budget execution: the spend plan, and plan against the actuals the financial system posted."""
