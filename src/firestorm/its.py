"""Interrupted time series: segmented GLMs of hourly volume and label shares around an interruption, the
checks that say when they cannot be estimated, and the correction of a share change for the classifier's errors.

The response stage (:mod:`firestorm.response`) chooses the interruption of each case and tabulates the effects.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from firestorm.metrics import confusion_counts


def _shallow_dict(result) -> dict:
    """A dataclass result as a dict of its fields, in field order, the values themselves (not copies)."""
    return {field.name: getattr(result, field.name) for field in fields(result)}


@dataclass(frozen=True, eq=False)
class GLMFit:
    """A fitted GLM (:func:`fit_glm`): coefficients in the order of the design's columns, their quasi-likelihood
    standard errors and covariance, the Pearson dispersion (at least 1) and the fitted means (counts)."""

    coefficients: np.ndarray
    standard_errors: np.ndarray
    covariance: np.ndarray
    dispersion: float
    fitted: np.ndarray

    def to_dict(self) -> dict:
        return _shallow_dict(self)


def fit_glm(X: np.ndarray, y: np.ndarray, family: str, trials: np.ndarray | None = None,
            max_iterations: int = 100) -> GLMFit:
    """Poisson (log link) or binomial (logit link) GLM by iteratively reweighted least squares.

    Standard errors are quasi-likelihood: the model covariance scaled by the Pearson dispersion when it
    exceeds 1 (hourly social-media counts are overdispersed): statsmodels' ``GLM(...).fit(scale="X2")`` with
    the scale floored at 1. Returns the :class:`GLMFit`.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    trials = np.ones_like(y) if trials is None else np.asarray(trials, dtype=float)
    if family == "poisson":
        beta = np.zeros(X.shape[1])
        beta[0] = np.log(max(y.mean(), 1e-3))
    elif family == "binomial":
        beta = np.zeros(X.shape[1])
        share = np.clip(y.sum() / trials.sum(), 1e-3, 1 - 1e-3)
        beta[0] = np.log(share / (1 - share))
    else:
        raise ValueError(f"unknown family {family!r}")
    for _ in range(max_iterations):
        eta = X @ beta
        if family == "poisson":
            mean = np.exp(np.clip(eta, -30, 30))
            weight = mean
            working = eta + (y - mean) / mean
        else:
            p = 1 / (1 + np.exp(-np.clip(eta, -30, 30)))
            mean = trials * p
            weight = np.maximum(trials * p * (1 - p), 1e-12)
            working = eta + (y - mean) / weight
        XtW = X.T * weight
        updated = np.linalg.solve(XtW @ X, XtW @ working)
        converged = np.max(np.abs(updated - beta)) < 1e-9
        beta = updated
        if converged:
            break
    eta = X @ beta
    if family == "poisson":
        mean = np.exp(eta)
        variance = mean
        weight = mean
    else:
        p = 1 / (1 + np.exp(-eta))
        mean = trials * p
        variance = np.maximum(trials * p * (1 - p), 1e-12)
        weight = variance
    dof = max(len(y) - X.shape[1], 1)
    dispersion = max(float(np.sum((y - mean) ** 2 / np.maximum(variance, 1e-12)) / dof), 1.0)
    covariance = np.linalg.inv((X.T * weight) @ X) * dispersion
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(covariance))
            and np.all(np.diag(covariance) >= 0)):
        raise np.linalg.LinAlgError("the fit gives non-finite estimates or variances")
    return GLMFit(coefficients=beta, standard_errors=np.sqrt(np.diag(covariance)), covariance=covariance,
                  dispersion=dispersion, fitted=mean)


def its_design(hours: np.ndarray, interruption: float) -> np.ndarray:
    """Segmented-regression design: intercept, time, step at the interruption, time since it (0 before)."""
    after = (hours >= interruption).astype(float)
    return np.column_stack([np.ones_like(hours), hours - interruption, after, (hours - interruption) * after])


# The least data a segmented regression is estimated from; below it the effect is "not estimable", a result.
ITS_MIN_ITEMS = 30              # items (volume model) or scored items (share models) in the window
ITS_MIN_HOURS_EACH_SIDE = 6     # hours with items on each side of the interruption: a level and a slope each
MIN_VALIDATION_POSTS_EACH_SIDE = 20   # emoticon-labelled posts per segment to measure a confusion matrix
OK = "ok"


def its_data_check(per_hour: np.ndarray, hours: np.ndarray, what: str) -> str:
    """"ok", or why a segmented regression of ``per_hour`` (counts on the hour grid ``hours``, hours from the
    interruption) cannot be estimated: too few ``what`` in the window or too few hours with any on a side."""
    per_hour = np.asarray(per_hour, dtype=float)
    total = int(per_hour.sum())
    if total < ITS_MIN_ITEMS:
        return f"not estimable: {total} {what} in the window, {ITS_MIN_ITEMS} needed"
    before = int(((hours < 0) & (per_hour > 0)).sum())
    after = int(((hours >= 0) & (per_hour > 0)).sum())
    if min(before, after) < ITS_MIN_HOURS_EACH_SIDE:
        return (f"not estimable: {before} hours with {what} before the interruption and {after} after, "
                f"{ITS_MIN_HOURS_EACH_SIDE} needed on each side")
    return OK


def share_data_check(labelled: np.ndarray, scored: np.ndarray, label: str) -> str:
    """"ok", or why a share of ``label`` items cannot be modelled: none or all of the scored items carry it
    (the logit runs off to infinity; the fit would report a change of exactly 0 with a zero-width interval)."""
    count, total = int(np.sum(labelled)), int(np.sum(scored))
    if count == 0 or count == total:
        return f"not estimable: {count} of {total} scored items in the window are labelled {label}"
    return OK


def estimable_glm(X: np.ndarray, y: np.ndarray, family: str,
                  trials: np.ndarray | None = None) -> tuple[GLMFit | None, str]:
    """:func:`fit_glm`, or None and the reason when the design is singular or the fit not finite."""
    try:
        return fit_glm(X, y, family, trials), OK
    except np.linalg.LinAlgError as error:
        return None, f"not estimable: singular or non-finite fit ({error})"


@dataclass(frozen=True, eq=False)
class ITSFit:
    """A segmented regression around one interruption (:func:`interrupted_time_series`).

    ``volume`` and ``negative_share`` are the two models' documents (``model``, ``status`` and, when "ok",
    the estimates as ``{"estimate", "ci95"}``); ``label_fits`` the share GLMs per label (None where not
    estimable, ``label_fit_status`` says why); ``series`` the hourly observed and fitted values.
    """

    series: pd.DataFrame
    label_fits: dict                  # "negative" / "positive" -> GLMFit | None
    label_fit_status: dict            # "negative" / "positive" -> "ok" or why not
    interruption: str                 # ISO 8601
    hours_used: list                  # [first, last] hour from the interruption, bin edges
    items: int
    volume: dict
    negative_share: dict

    @property
    def status(self) -> str:
        """"ok", or the first reason one of the two models (volume, negative share) is not estimable."""
        return next((part["status"] for part in (self.volume, self.negative_share) if part["status"] != OK), OK)

    def to_dict(self) -> dict:
        """The fields as a dict, in field order (the documents themselves, not copies)."""
        return _shallow_dict(self)


def interrupted_time_series(posts: pd.DataFrame, sentiment: pd.DataFrame, interruption: pd.Timestamp,
                            start: pd.Timestamp, end: pd.Timestamp, z: float = 1.96) -> ITSFit:
    """Level and slope change of hourly volume and of the negative share at ``interruption``.

    Volume: quasi-Poisson GLM of items per hour, ``log mu = b0 + b1 t + b2 after + b3 t_after`` (t in hours
    from the interruption); ``exp(b2)`` is the immediate rate ratio, ``exp(b3)`` the change in the hourly
    growth factor. Negative share: quasi-binomial GLM of negative items among scored items per hour, same
    terms on the logit scale; the level change is also given as a share difference at the interruption
    (fitted just after minus the pre-trend extrapolated). Intervals: Wald, 95 %; the share difference by
    the delta method. ``start``/``end`` bound the hours used (choose them after the peak, where the
    pre-period is a decay, not the rise).

    Each model has a ``status``: "ok", or "not estimable: …" (fewer than :data:`ITS_MIN_ITEMS` items, fewer
    than :data:`ITS_MIN_HOURS_EACH_SIDE` hours with items on a side, no or only items of the label for a
    share, a singular or non-finite fit); then it has no estimates, its fitted series is NaN and its entry of
    ``label_fits`` is None (``label_fit_status`` says why).
    """
    merged = posts[["post_id", "created_at"]].merge(sentiment[["post_id", "label"]], on="post_id", how="left")
    merged = merged[(merged["created_at"] >= start) & (merged["created_at"] < end)]
    grid = pd.date_range(start.floor("h"), end.ceil("h"), freq="h", inclusive="left")
    hour = merged["created_at"].dt.floor("h")
    items = merged.groupby(hour).size().reindex(grid, fill_value=0)
    scored = merged[merged["label"].notna()]
    scored_hour = scored["created_at"].dt.floor("h")
    negative = scored["label"].eq("negative").groupby(scored_hour).sum().reindex(grid, fill_value=0)
    positive = scored["label"].eq("positive").groupby(scored_hour).sum().reindex(grid, fill_value=0)
    scored_items = scored.groupby(scored_hour).size().reindex(grid, fill_value=0)
    hours = ((grid - interruption) / pd.Timedelta(hours=1)).to_numpy(dtype=float) + 0.5
    X = its_design(hours, 0.0)

    volume, volume_status = None, its_data_check(items.to_numpy(), hours, "items")
    if volume_status == OK:
        volume, volume_status = estimable_glm(X, items.to_numpy(), "poisson")
    has_items = scored_items.to_numpy() > 0
    enough_scored = its_data_check(scored_items.to_numpy(), hours, "scored items")

    def share_fit(labelled, label):
        status = enough_scored if enough_scored != OK else share_data_check(labelled, scored_items, label)
        if status != OK:
            return None, status
        return estimable_glm(X[has_items], labelled.to_numpy()[has_items], "binomial",
                             scored_items.to_numpy()[has_items])

    share, share_status = share_fit(negative, "negative")
    # The positive share only serves the misclassification correction, which needs both label shares.
    positive_share, positive_status = share_fit(positive, "positive")

    def interval(fit, index, transform=lambda v: v):
        value, error = fit.coefficients[index], fit.standard_errors[index]
        return {"estimate": float(transform(value)),
                "ci95": [float(transform(value - z * error)), float(transform(value + z * error))]}

    fitted_share = np.full(len(grid), np.nan)
    volume_document = {"model": "quasi-Poisson GLM on items per hour: log mu = b0 + b1 t + b2 after + b3 t_after",
                       "status": volume_status}
    if volume is not None:
        volume_document.update({
            "level_change_rate_ratio": interval(volume, 2, np.exp),
            "slope_change_hourly_factor": interval(volume, 3, np.exp),
            "pre_trend_hourly_factor": interval(volume, 1, np.exp),
            "dispersion": volume.dispersion,
        })
    share_document = {"model": "quasi-binomial GLM on negative items per hour: logit p = b0 + b1 t + b2 after "
                               "+ b3 t_after", "status": share_status}
    if share_status == OK:
        # Share difference at the interruption: logistic(b0 + b2) - logistic(b0), delta-method interval.
        b = share.coefficients
        before, after = 1 / (1 + np.exp(-b[0])), 1 / (1 + np.exp(-(b[0] + b[2])))
        gradient = np.array([after * (1 - after) - before * (1 - before), 0.0, after * (1 - after), 0.0])
        difference_error = float(np.sqrt(gradient @ share.covariance @ gradient))
        fitted_share[has_items] = share.fitted / scored_items.to_numpy()[has_items]
        share_document.update({
            "share_before": float(before),
            "share_after": float(after),
            "level_change_share_points": {"estimate": float(after - before),
                                          "ci95": [float(after - before - z * difference_error),
                                                   float(after - before + z * difference_error)]},
            "level_change_odds_ratio": interval(share, 2, np.exp),
            "slope_change_odds_ratio_per_hour": interval(share, 3, np.exp),
            "dispersion": share.dispersion,
        })
    series = pd.DataFrame({"hour": grid, "hours_from_interruption": hours, "items": items.to_numpy(),
                           "fitted_items": volume.fitted if volume is not None else np.nan,
                           "scored": scored_items.to_numpy(), "negative": negative.to_numpy(),
                           "fitted_negative_share": fitted_share})
    return ITSFit(
        series=series,
        label_fits={"negative": share, "positive": positive_share},
        label_fit_status={"negative": share_status, "positive": positive_status},
        interruption=interruption.isoformat(),
        hours_used=[float(hours.min() - 0.5), float(hours.max() + 0.5)],
        items=int(items.sum()),
        volume=volume_document,
        negative_share=share_document,
    )




def segment_confusion(validation: pd.DataFrame, posts: pd.DataFrame, sentiment: pd.DataFrame,
                      start: pd.Timestamp, interruption: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Confusion counts of the classifier before and after the interruption, from validation posts
    (post_id, true_label) inside the ITS window: what people talk about changes at a response, and with it
    which posts the classifier misreads, so one matrix for the whole window would bias the change.

    With a ``weight`` column (the sampling weights of a stratified coding sample) the counts are weighted,
    rescaled so that each segment's total stays its number of posts (the Dirichlet uncertainty of the
    correction then rests on the posts actually coded)."""
    rows = (validation.merge(posts[["post_id", "created_at"]], on="post_id")
            .merge(sentiment[["post_id", "label"]], on="post_id"))
    rows = rows[(rows["created_at"] >= start) & (rows["created_at"] < end)]
    after = rows["created_at"] >= interruption
    return {"before": validation_confusion(rows[~after]), "after": validation_confusion(rows[after])}


def validation_confusion(validation: pd.DataFrame) -> np.ndarray:
    """Confusion counts of validation posts (true_label, label; optional ``weight``): with sampling weights the
    weighted counts rescaled to the number of posts, so that the Dirichlet uncertainty of a correction rests on
    the posts actually coded, not on the population they stand for."""
    unweighted = confusion_counts(validation["true_label"], validation["label"])
    if "weight" not in validation:
        return unweighted
    weighted = confusion_counts(validation["true_label"], validation["label"],
                                validation["weight"].to_numpy(dtype=float))
    return weighted * (unweighted.sum() / weighted.sum()) if weighted.sum() else weighted


def true_class_shares(observed: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """True class shares pi from observed label shares q (one vector, or one per row) and a confusion matrix M
    (M[i, j] = P(label j | true class i)): q = M^T pi solved by least squares, negative parts set to 0 and
    the rest renormalised (NaN when nothing is left)."""
    observed = np.asarray(observed, dtype=float)
    rows = np.atleast_2d(observed)
    shares = np.clip(np.linalg.lstsq(np.asarray(matrix).T, rows.T, rcond=None)[0].T, 0, None)
    totals = shares.sum(axis=1, keepdims=True)
    shares = np.divide(shares, totals, out=np.full_like(shares, np.nan), where=totals > 0)
    return shares if observed.ndim == 2 else shares[0]


def dirichlet_rows(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of a confusion matrix: each row from its Dirichlet posterior (counts + 1/2, Jeffreys)."""
    return np.vstack([rng.dirichlet(row + 0.5) for row in counts])


def row_shares(counts: np.ndarray) -> np.ndarray:
    """The confusion matrix's point estimate: rows of counts + 1/2, normalised."""
    return (counts + 0.5) / (counts + 0.5).sum(axis=1, keepdims=True)


INVERSION = "inversion"
PREDICTIVE = "predictive values"


def corrected_share_change(label_fits: dict[str, GLMFit], confusion_before, confusion_after=None, draws: int = 2000,
                           seed: int = 0, method: str = INVERSION) -> dict:
    """Level change of the *true* negative share at the interruption, corrected for the classifier's errors.

    Just before and just after the interruption the observed label shares q come from the segmented fits of
    the negative and positive shares; the confusion counts (rows true negative / neutral / positive, columns
    the label) are measured before the interruption for the level before and after it for the level after
    (one matrix for both when ``confusion_after`` is None). Two ways to go from q to the true shares pi:

    - ``INVERSION``: q = M^T pi with M[i, j] = P(label j | true class i), solved and projected onto the
      simplex. M does not depend on how common each class is, so it suits validation posts that are not a
      random sample of the segment (emoticon posts, human-labelled test sets).
    - ``PREDICTIVE``: pi = P^T q with P[j, i] = P(true class i | label j), the predictive values. Valid only
      when the validation posts are a random sample of the segment within each label (the coding sample,
      stratified by predicted label); then it needs no inversion, which amplifies the noise of a small
      sample's matrix, and its interval is far narrower.

    Uncertainty by simulation: the fits' coefficients from their normal approximation, each row of M (each
    column of the counts for P) from its Dirichlet posterior (counts + 1/2), percentile 95 % interval.
    """
    if method not in (INVERSION, PREDICTIVE):
        raise ValueError(f"unknown correction method {method!r}")
    counts_before = np.asarray(confusion_before, dtype=float)
    counts_after = counts_before if confusion_after is None else np.asarray(confusion_after, dtype=float)
    rng = np.random.default_rng(seed)
    # The matrices as drawn: M's rows are the counts' rows; P's rows are the counts' columns.
    oriented_before, oriented_after = ((counts_before, counts_after) if method == INVERSION
                                       else (counts_before.T, counts_after.T))

    def level_shares(coefficients):
        b0, b2 = coefficients[0], coefficients[2]
        return 1 / (1 + np.exp(-b0)), 1 / (1 + np.exp(-(b0 + b2)))

    def true_negative(q_negative, q_positive, matrix):
        q = np.array([q_negative, max(1 - q_negative - q_positive, 0.0), q_positive])
        return true_class_shares(q, matrix)[0] if method == INVERSION else float(q @ matrix[:, 0])

    negative, positive = label_fits["negative"], label_fits["positive"]
    (neg_before, neg_after), (pos_before, pos_after) = (level_shares(negative.coefficients),
                                                        level_shares(positive.coefficients))
    estimate = (true_negative(neg_after, pos_after, row_shares(oriented_after))
                - true_negative(neg_before, pos_before, row_shares(oriented_before)))
    simulated = []
    for _ in range(draws):
        matrix_before = dirichlet_rows(oriented_before, rng)
        matrix_after = matrix_before if confusion_after is None else dirichlet_rows(oriented_after, rng)
        neg_coef = rng.multivariate_normal(negative.coefficients, negative.covariance)
        pos_coef = rng.multivariate_normal(positive.coefficients, positive.covariance)
        (nb, na), (pb, pa) = level_shares(neg_coef), level_shares(pos_coef)
        simulated.append(true_negative(na, pa, matrix_after) - true_negative(nb, pb, matrix_before))
    low, high = np.nanpercentile(simulated, [2.5, 97.5])
    described = ("confusion-matrix correction (q = M^T pi; M measured before and after), simulated CI"
                 if method == INVERSION else
                 "predictive-value correction (pi = P^T q; P(true | label) measured before and after), simulated CI")
    return {"estimate": float(estimate), "ci95": [float(low), float(high)],
            "confusion_before": np.round(counts_before, 2).tolist(),
            "confusion_after": np.round(counts_after, 2).tolist(), "method": described}



def correction_check(confusion: dict, what: str = "emoticon-labelled validation posts") -> str:
    """"ok", or why the misclassification correction is skipped: too few validation posts in a segment
    (:data:`MIN_VALIDATION_POSTS_EACH_SIDE`) to measure its confusion matrix."""
    before, after = int(round(np.sum(confusion["before"]))), int(round(np.sum(confusion["after"])))
    if min(before, after) < MIN_VALIDATION_POSTS_EACH_SIDE:
        return (f"skipped: {before} {what} before the interruption and {after} after, "
                f"{MIN_VALIDATION_POSTS_EACH_SIDE} needed on each side to measure the classifier's confusion matrix")
    return OK

