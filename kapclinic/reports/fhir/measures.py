"""FHIR Questionnaire, QuestionnaireResponse and score Observation resources.

Instruments whose wording is licensed (`text_licensed`) carry structure and codes only: no
item text and no answer wording, so copyrighted text never leaves the system.
"""

from kapclinic.instruments import INSTRUMENTS

from .codes import (
    LOINC,
    NO_TIER,
    ORDINAL_VALUE,
    answer_coding,
    category,
    coding,
    full_url,
    instant,
    quantity,
    ref,
    resource_id,
)


class QuestionnaireResources:
    """The patient's questionnaires and scores; mixed into BundleBuilder."""

    def add_questionnaires(self):
        used = {}
        for response in self.responses:
            used.setdefault(response.instrument, INSTRUMENTS[response.instrument])
        canonical = {}
        for code, instrument in used.items():
            rid = resource_id("Questionnaire", code, instrument.version)
            canonical[code] = full_url(rid)
            self.add("Questionnaire", rid, self.questionnaire(instrument, rid))
        for response in self.responses:
            self.add_response(response, INSTRUMENTS[response.instrument], canonical)

    def questionnaire(self, instrument, rid):
        body = {
            "url": full_url(rid),
            "version": instrument.version,
            "name": "".join(ch for ch in instrument.short_name if ch.isalnum()) or instrument.code,
            "title": instrument.name,
            "status": "active",
            "subjectType": ["Patient"],
            "copyright": instrument.licence,
        }
        if instrument.panel_loinc:
            body["code"] = [coding(LOINC, instrument.panel_loinc, instrument.short_name)]
        body["item"] = [self.question(instrument, item) for item in instrument.items]
        return body

    def question(self, instrument, item):
        may_ship = not instrument.text_licensed
        question = {"linkId": item.key, "type": "choice", "required": item.required}
        if may_ship:
            question["text"] = item.text
        if item.loinc:
            question["code"] = [coding(LOINC, item.loinc)]
        options = []
        for option in item.options:
            value = answer_coding(option, with_display=may_ship)
            option_body = {"valueCoding": value}
            if item.scored:
                option_body["extension"] = [
                    {"url": ORDINAL_VALUE, "valueDecimal": item.points(option.value)}
                ]
            options.append(option_body)
        question["answerOption"] = options
        return question

    def add_response(self, response, instrument, canonical):
        rid = resource_id("QuestionnaireResponse", response.pk)
        items = []
        for item in instrument.items:
            value = response.answers.get(item.key)
            if value is None:
                continue
            option = next((o for o in item.options if o.value == value), None)
            answer = (
                {"valueCoding": answer_coding(option, with_display=not instrument.text_licensed)}
                if option is not None
                else {"valueInteger": int(value)}
            )
            items.append({"linkId": item.key, "answer": [answer]})
        completed = response.is_completed
        body = {
            "questionnaire": f"{canonical[response.instrument]}|{instrument.version}",
            "status": "completed" if completed else "in-progress",
            "subject": self.subject(),
            "authored": instant(response.completed_at or response.started_at),
        }
        if items:
            body["item"] = items
        self.add("QuestionnaireResponse", rid, body)
        if completed:
            self.add_score(response, instrument, rid)

    def add_score(self, response, instrument, response_id):
        body = {
            "status": "final",
            "category": category("survey", "Survey"),
            "subject": self.subject(),
            "effectiveDateTime": instant(response.completed_at),
            "derivedFrom": [ref(response_id)],
        }
        if response.total is not None:
            code = {"text": f"{instrument.short_name} total score"}
            if instrument.total_loinc:
                code["coding"] = [coding(LOINC, instrument.total_loinc, code["text"])]
            body["code"] = code
            body["valueQuantity"] = quantity(response.total, "{score}")
            if response.band:
                body["interpretation"] = [{"text": response.band}]
        elif instrument.tiers:
            code = {"text": f"{instrument.short_name} risk level"}
            if instrument.tiers.loinc:
                code["coding"] = [coding(LOINC, instrument.tiers.loinc, code["text"])]
            body["code"] = code
            # With nothing endorsed no tier rule matches: said so, not left out.
            body["valueCodeableConcept"] = {"text": response.tier_label or NO_TIER}
        else:
            return
        self.add("Observation", resource_id("Observation", "score", response.pk), body)
