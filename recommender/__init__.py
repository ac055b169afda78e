"""The engine: member x product matrices, ALS tastes, buying habits, selections, evaluation.

Entry points for ``api``:

* :class:`recommender.model.SelectionModel` - ``fit(transactions, products)``,
  ``update_member(member_id, purchases)``;
* :func:`recommender.selection.recommend` - selections for some or all members;
* :class:`recommender.store.ModelStore` - ``save``, ``load``, ``versions``, ``prune``;
* :func:`recommender.evaluation.evaluate` and ``format_report``.
"""
