"""Forms of the ballot screens; they parse, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm

from cabinet.models.ballots import Choice


class OTPCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("One-time code"))
        kwargs.setdefault(
            "help_text", _("The 6-digit code from your authenticator app.")
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "maxlength": 12,
                }
            ),
        )
        super().__init__(max_length=12, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    file = forms.FileField(
        label=_("Document file"),
        help_text=_("PDF, Word (DOCX) or Excel (XLSX)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )


class OTPApprovalForm(TaskStateCommentForm):
    """Wagtail's approval modal for the Office leadership's step."""

    otp_code = OTPCodeField(required=True)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the drafter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    otp_code = OTPCodeField(required=False)


class AnswerForm(forms.Form):
    """One Agree / Disagree / Other opinion per question, a comment and the code."""

    comment = forms.CharField(
        label=_("Your opinion"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you choose Other opinion."),
    )
    otp_code = OTPCodeField(required=False)
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Optional: PDF, Word (DOCX) or Excel (XLSX), at most 5 files."),
    )

    def __init__(self, *args, questions=(), initial_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_choices = initial_choices or {}
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=Choice.choices,
                widget=forms.RadioSelect,
                initial=initial_choices.get(question.pk),
                required=False,
            )
        self.order_fields([f"q{q.pk}" for q in self.questions])

    def question_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]

    def choices(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 3})
    )
