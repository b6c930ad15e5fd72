"""Forecast where problems and 回潮 (recurrence) come next, and measure how well.

The campaign cycle is 整治—回潮—再整治: cleaned, relapsed, cleaned again. An office needs to
know where to look next period. :func:`risk` forecasts, per unit, the problems expected
in the next period (``expected``) and the chance of 回潮 (``p_recur``), with the reason;
:func:`backtest` replays the past period by period (rolling origin, never the future in
the training data) and scores every method with the measures of hot-spot forecasting:
hit rate, PAI and PEI* at 1 %, 5 % and 10 % of the area flagged
(:mod:`geozz.forecast.measures`); :func:`summary` averages it over periods.

The methods (:data:`METHODS`): the naive baselines ``last`` (last period's count),
``mean3`` (mean of the last three) and ``kde`` (a kernel-density hot-spot map of past
problems), and the models ``glm`` (Poisson GLM) and ``hgb`` (gradient-boosted trees,
Poisson loss), which must beat them. See ``docs/forecast.md`` for the results.

Examples
--------
>>> import geozz as gz
>>> units = gz.datasets.sf311_tracts()
>>> problems, _ = gz.datasets.sf311_problems()
>>> ledger = gz.assign(problems, units)
>>> r = gz.forecast.risk(ledger, units, freq="Y", method="mean3")
>>> list(r.columns[:5])
['unit_type', 'period', 'method', 'expected', 'p_recur']
"""

from __future__ import annotations

from .core import RISK_COLUMNS, backtest, risk, summary
from .measures import SHARES, measures
from .panel import METHODS, MODELS

__all__ = ["METHODS", "MODELS", "RISK_COLUMNS", "SHARES", "backtest", "measures", "risk",
           "summary"]
