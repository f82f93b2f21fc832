"""The notification templates runbook ships: every kind of message, in English and French.

These are used where the policy's ``notifications.templates`` does not replace them
(:mod:`runbook.model.notification_templates` lists the kinds and their placeholders). They
never name a role the organisation may not have: who media questions go to is
``$media_contact``, and roles are written as the organisation calls them (``$roles``).
Blank lines left by an empty placeholder are folded when the message is rendered.
"""

from __future__ import annotations

from runbook.model.notification_templates import MessageTemplate

_EN: dict[str, tuple[str, str]] = {
    "notification": (
        "${drill}$level $incident_title [$incident_id]",
        "${drill}A $level ($level_name) incident is open: $incident_title\n"
        "\n"
        "Incident: $incident_id\n"
        "Playbook: $playbook_title (v$playbook_version)\n"
        "Level:    $level - $level_name\n"
        "Declared: $declared_at\n"
        "You are notified as: $roles\n"
        "\n"
        "$asks\n"
        "\n"
        "$acknowledge\n"
        "Do not comment on this publicly. Media questions: $media_contact.\n",
    ),
    "escalation": (
        "${drill}ESCALATION: $level $incident_title [$incident_id]",
        "${drill}A $level ($level_name) incident is open: $incident_title\n"
        "\n"
        "Incident: $incident_id\n"
        "Playbook: $playbook_title (v$playbook_version)\n"
        "Level:    $level - $level_name\n"
        "Declared: $declared_at\n"
        "You are notified as: $roles\n"
        "You are receiving this because nobody acknowledged in time.\n"
        "\n"
        "$asks\n"
        "\n"
        "$acknowledge\n"
        "Do not comment on this publicly. Media questions: $media_contact.\n",
    ),
    "acknowledge": (
        "",
        "Acknowledge: $ack_command, or press 'k' on the incident in runbook.",
    ),
    "acknowledge_within": (
        "",
        "Acknowledge within $ack_within: $ack_command, or press 'k' on the incident in runbook.",
    ),
    "approval_request": (
        "${drill}Approval needed: $draft_id v$version for $incident_title [$incident_id]",
        "${drill}Draft $draft_id v$version of incident $incident_id ($incident_title) needs "
        "your approval.\n"
        "You are asked as: $roles\n"
        "\n"
        "$how_to_approve\n"
        "\n"
        "The approval binds to this exact text: any later edit needs a new approval.\n",
    ),
    "approval_link": (
        "",
        "Read it and approve or reject it here (this link is for you only: do not forward it;\n"
        "it works once, until $expires_at):\n"
        "$link",
    ),
    "approval_no_link": (
        "",
        "$why_no_link\nFrom a terminal: $show_command, then $approve_command",
    ),
    "stand_down": (
        "${drill}STAND DOWN: $incident_title [$incident_id]",
        "${drill}Incident $incident_id ($incident_title) is resolved. You can stand down.\n"
        "\n"
        "Summary: $summary\n"
        "\n"
        "Scheduled posts held during the incident are being released as reviewed by the "
        "operator. A post-incident review will follow.\n",
    ),
    "update": (
        "${drill}Update: $update_title [$incident_id]",
        "${drill}$update_text\n",
    ),
    "update_reminder": (
        "${drill}Update due: $audience, $incident_title [$incident_id]",
        "${drill}The update to $audience is due now ($due_at).\n"
        "The playbook asks for one every $every at this level.\n"
        "\n"
        "Start it: $draft_command, or press 'd' on the incident in runbook.\n",
    ),
    "update_overdue": (
        "${drill}OVERDUE: the $audience update for $incident_title [$incident_id]",
        "${drill}The update to $audience was due at $due_at and has not gone out.\n"
        "The playbook asks for one every $every at this level.\n"
        "\n"
        "Start it: $draft_command, or press 'd' on the incident in runbook.\n",
    ),
}

_FR: dict[str, tuple[str, str]] = {
    "notification": (
        "${drill}$level $incident_title [$incident_id]",
        "${drill}Un incident de niveau $level ($level_name) est ouvert : $incident_title\n"
        "\n"
        "Incident : $incident_id\n"
        "Procédure : $playbook_title (v$playbook_version)\n"
        "Niveau : $level – $level_name\n"
        "Déclaré le $declared_at\n"
        "Vous êtes prévenu(e) en tant que : $roles\n"
        "\n"
        "$asks\n"
        "\n"
        "$acknowledge\n"
        "Aucun commentaire public. Questions des médias : $media_contact.\n",
    ),
    "escalation": (
        "${drill}RELANCE : $level $incident_title [$incident_id]",
        "${drill}Un incident de niveau $level ($level_name) est ouvert : $incident_title\n"
        "\n"
        "Incident : $incident_id\n"
        "Procédure : $playbook_title (v$playbook_version)\n"
        "Niveau : $level – $level_name\n"
        "Déclaré le $declared_at\n"
        "Vous êtes prévenu(e) en tant que : $roles\n"
        "Vous recevez ce message car personne n’a accusé réception à temps.\n"
        "\n"
        "$asks\n"
        "\n"
        "$acknowledge\n"
        "Aucun commentaire public. Questions des médias : $media_contact.\n",
    ),
    "acknowledge": (
        "",
        "Accusez réception : $ack_command, ou appuyez sur « k » sur l’incident dans runbook.",
    ),
    "acknowledge_within": (
        "",
        "Accusez réception sous $ack_within : $ack_command, ou appuyez sur « k » sur "
        "l’incident dans runbook.",
    ),
    "approval_request": (
        "${drill}Approbation requise : $draft_id v$version pour $incident_title [$incident_id]",
        "${drill}La version $version du brouillon $draft_id de l’incident $incident_id "
        "($incident_title) attend votre approbation.\n"
        "Votre approbation est demandée en tant que : $roles\n"
        "\n"
        "$how_to_approve\n"
        "\n"
        "L’approbation porte sur ce texte exact : toute modification ultérieure demandera une "
        "nouvelle approbation.\n",
    ),
    "approval_link": (
        "",
        "Lisez-le, puis approuvez-le ou rejetez-le ici (ce lien vous est personnel : ne le "
        "transférez pas ;\n"
        "il ne sert qu’une fois, jusqu’au $expires_at) :\n"
        "$link",
    ),
    "approval_no_link": (
        "",
        "$why_no_link\nDepuis un terminal : $show_command, puis $approve_command",
    ),
    "stand_down": (
        "${drill}LEVÉE DU DISPOSITIF : $incident_title [$incident_id]",
        "${drill}L’incident $incident_id ($incident_title) est résolu. Le dispositif est levé.\n"
        "\n"
        "Résumé : $summary\n"
        "\n"
        "Les publications programmées suspendues pendant l’incident sont remises en ligne "
        "après vérification par l’opérateur. Un retour d’expérience suivra.\n",
    ),
    "update": (
        "${drill}Point de situation : $update_title [$incident_id]",
        "${drill}$update_text\n",
    ),
    "update_reminder": (
        "${drill}Point de situation attendu : $audience, $incident_title [$incident_id]",
        "${drill}Le point de situation pour $audience est attendu maintenant "
        "($due_at).\n"
        "La procédure en prévoit un toutes les $every à ce niveau.\n"
        "\n"
        "Pour le préparer : $draft_command, ou appuyez sur « d » sur l’incident dans runbook.\n",
    ),
    "update_overdue": (
        "${drill}EN RETARD : le point de situation pour $audience : $incident_title [$incident_id]",
        "${drill}Le point de situation pour $audience était attendu le $due_at et "
        "n’est pas parti.\n"
        "La procédure en prévoit un toutes les $every à ce niveau.\n"
        "\n"
        "Pour le préparer : $draft_command, ou appuyez sur « d » sur l’incident dans runbook.\n",
    ),
}

DEFAULTS: dict[str, dict[str, MessageTemplate]] = {
    language: {
        kind: MessageTemplate(subject=subject, body=body) for kind, (subject, body) in texts.items()
    }
    for language, texts in (("en", _EN), ("fr", _FR))
}
"""Language -> kind -> the template runbook ships."""
