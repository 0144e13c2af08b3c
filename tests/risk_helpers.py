"""Posted data of a risk review page, shared by the tests that resolve a suicide-risk flag."""

# C-SSRS screen (reference §1.5): a wish to be dead only, 1 = yes, 0 = no → low risk.
LOW_RISK_SCREEN = {"q1": 1, "q2": 0, "q6": 0}


def risk_review_data(screen=LOW_RISK_SCREEN, **fields):
    return {
        **{f"screen-{key}": str(value) for key, value in screen.items()},
        "protective_factors": "Close to her sister; engaged in care.",
        "formulation": "Passive wish to be dead, no method, plan or intent.",
        "decision": "continue",
        "safety_plan_made": "on",
        **fields,
    }
