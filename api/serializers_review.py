"""What the API reads and writes for the review round, the letters, the transition log and the
inbox. Writing serializers only parse (400); the services check rules (422), state (409) and
permissions (403), as for the web. Status and kind fields are plain strings (their values are
listed in ``help_text``) so that the schema's enums keep one meaning per name."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from reviews.models import Assignment, ConflictDeclaration, Review


def person_name(user):
    """A person as the web names them: the full name, else the username."""
    if user is None:
        return None
    return user.get_full_name() or user.username


def _values(choices):
    return ", ".join(value for value, _label in choices)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return person_name(user)


class ApplicationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)


# ----- assignments and declarations ----------------------------------------------------------


class AssignmentSerializer(serializers.Serializer):
    """An assignment as the coordination office sees it on the round page."""

    id = serializers.IntegerField(read_only=True)
    application = serializers.IntegerField(source="application_id", read_only=True)
    reviewer = PersonSerializer(read_only=True)
    round = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=f"One of: {_values(Assignment.Status.choices)}."
    )
    assigned_at = serializers.DateTimeField(read_only=True)
    due_on = serializers.DateField(read_only=True, allow_null=True)
    decline_reason = serializers.CharField(read_only=True)
    review_submitted = serializers.SerializerMethodField()

    def get_review_submitted(self, assignment) -> bool:
        return getattr(assignment, "review", None) is not None


class OwnAssignmentSerializer(serializers.Serializer):
    """A row of the reviewer's own list (only the columns its selector loads)."""

    id = serializers.IntegerField(read_only=True)
    application = ApplicationRefSerializer(read_only=True)
    application_state = serializers.CharField(source="application.state", read_only=True)
    organization = serializers.CharField(source="application.organization.name", read_only=True)
    round = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=f"One of: {_values(Assignment.Status.choices)}."
    )
    due_on = serializers.DateField(read_only=True, allow_null=True)
    review_submitted = serializers.SerializerMethodField()

    def get_review_submitted(self, assignment) -> bool:
        return getattr(assignment, "review", None) is not None


class AssignSerializer(serializers.Serializer):
    """Any existing user may be named: the service says why one may not review (422)."""

    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), help_text="The user id of the reviewer."
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why you decline (required: 422 when blank).",
    )


class DeclarationRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ConflictDeclaration.Kind.choices,
        help_text="none, or the type of the conflict (other needs a note).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DeclarationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    application = serializers.IntegerField(source="application_id", read_only=True)
    role = serializers.CharField(
        read_only=True, help_text=f"One of: {_values(ConflictDeclaration.Role.choices)}."
    )
    round = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(
        read_only=True, help_text=f"One of: {_values(ConflictDeclaration.Kind.choices)}."
    )
    note = serializers.CharField(read_only=True)
    corrects = serializers.IntegerField(
        source="supersedes_id",
        read_only=True,
        allow_null=True,
        help_text="The declaration this one corrects.",
    )
    declared_at = serializers.DateTimeField(read_only=True)


class DeclaredAssignmentSerializer(serializers.Serializer):
    """The assignment after a declaration (recused on a conflict) and the declaration."""

    assignment = AssignmentSerializer(read_only=True)
    declaration = DeclarationSerializer(read_only=True)


# ----- the proposal --------------------------------------------------------------------------


class ProposalRowSerializer(serializers.Serializer):
    application = ApplicationRefSerializer(read_only=True)
    reviewer = PersonSerializer(read_only=True)
    sector_match = serializers.BooleanField(read_only=True)
    open_before = serializers.IntegerField(read_only=True)
    load = serializers.IntegerField(read_only=True)


class UnfilledSerializer(serializers.Serializer):
    application = ApplicationRefSerializer(read_only=True)
    missing = serializers.IntegerField(read_only=True, help_text="Reviewers still missing.")


class ProposalSerializer(serializers.Serializer):
    cap = serializers.IntegerField(read_only=True)
    rows = ProposalRowSerializer(many=True, read_only=True)
    unfilled = UnfilledSerializer(many=True, read_only=True)


# ----- reviews -------------------------------------------------------------------------------


class ReviewRequestSerializer(serializers.Serializer):
    """A review against the programme's rubric: points 1–5 per criterion key (required
    criteria must be scored: 422), confidence, recommendation and a comment."""

    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        help_text='Points 1–5 by criterion key, e.g. {"viability": 4}.',
    )
    confidence = serializers.ChoiceField(
        choices=Review.Confidence.choices, required=False, allow_blank=True, default=""
    )
    recommendation = serializers.ChoiceField(choices=Review.Recommendation.choices)
    comment = serializers.CharField(allow_blank=True, help_text="For the board (required: 422).")
    rubric = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The rubric you scored against (409 when it is no longer the one to use).",
    )

    def form_data(self):
        """The data as the web's form hands it to ``submit_review``."""
        data = dict(self.validated_data)
        scores = data.pop("scores")
        data.update({f"score_{key}": value for key, value in scores.items()})
        return data


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    round = serializers.IntegerField(source="assignment.round", read_only=True)
    reviewer = PersonSerializer(source="assignment.reviewer", read_only=True)
    rubric = serializers.IntegerField(source="rubric_id", read_only=True, allow_null=True)
    scores = serializers.SerializerMethodField()
    total_score = serializers.DecimalField(
        max_digits=4, decimal_places=2, read_only=True, allow_null=True
    )
    confidence = serializers.CharField(read_only=True)
    recommendation = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_scores(self, review) -> dict[str, int]:
        return {score.criterion.key: score.value for score in review.scores.all()}


class OwnReviewSerializer(ReviewSerializer):
    """The reviewer's own review (the reviewer is the caller)."""

    reviewer = None


# ----- the discussion ------------------------------------------------------------------------


class RevisionSerializer(serializers.Serializer):
    body = serializers.CharField(read_only=True)
    replaced_at = serializers.DateTimeField(read_only=True)


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonSerializer(read_only=True)
    round = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revisions = RevisionSerializer(many=True, read_only=True, help_text="Earlier texts.")


class PostRequestSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, help_text="The text (required: 422).")


# ----- letters, the log, the inbox -----------------------------------------------------------


class LetterSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="pending, rendering, rendered, sending, sent, uncertain or failed.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pdf = serializers.SerializerMethodField(help_text="Where to download it (once rendered).")

    def get_pdf(self, letter) -> str | None:
        if not letter.file:
            return None
        return f"/api/v1/applications/{letter.application_id}/letters/{letter.number}/pdf/"


class LogEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    transition = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True, allow_null=True)
    target = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Who did it, where the web's history names them (else null).",
    )
    description = serializers.CharField(read_only=True)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    application = serializers.IntegerField(source="application_id", read_only=True, allow_null=True)
    reference = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)
