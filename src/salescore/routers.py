"""Every REST router, in the order they appear in the API docs."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    from salescore.action.router import router as action_templates
    from salescore.analytics.board_router import router as analytics_board
    from salescore.analytics.heatmap_router import router as interaction_heatmap
    from salescore.analytics.kpi_router import router as analytics_kpis
    from salescore.analytics.router import router as analytics
    from salescore.analytics.process_health_router import router as analytics_process_health
    from salescore.attachment.router import router as attachments
    from salescore.audit.router import router as audit
    from salescore.customer.router import router as customers
    from salescore.daily_report.router import router as daily_reports
    from salescore.delivery.router import router as delivery
    from salescore.diagnosis.router import router as diagnosis
    from salescore.document.router import router as documents
    from salescore.document.template_router import router as document_templates
    from salescore.events.router import router as events
    from salescore.evidence.router import router as evidence
    from salescore.forecast.router import router as forecast
    from salescore.follow_up.router import router as follow_ups
    from salescore.health.router import router as health
    from salescore.job.router import router as jobs
    from salescore.knowledge.router import router as knowledge_base
    from salescore.notification.router import router as notifications
    from salescore.opportunity.router import router as opportunities
    from salescore.pipeline.router import router as pipelines
    from salescore.postmortem.router import router as post_mortems
    from salescore.rules.router import router as rules
    from salescore.signal.router import router as signals
    from salescore.tenancy.router import router as tenancy
    from salescore.todo.router import router as todos
    from salescore.transcript.router import router as transcripts

    return [
        tenancy,
        customers,
        follow_ups,
        transcripts,
        opportunities,
        evidence,
        post_mortems,
        signals,
        action_templates,
        pipelines,
        health,
        daily_reports,
        documents,
        document_templates,
        todos,
        attachments,
        notifications,
        rules,
        knowledge_base,
        analytics,
        analytics_kpis,
        analytics_process_health,
        interaction_heatmap,
        analytics_board,
        forecast,
        diagnosis,
        audit,
        events,
        jobs,
        delivery,
    ]
