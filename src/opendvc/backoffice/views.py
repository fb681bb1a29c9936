from django.shortcuts import render

from opendvc.agencies.selectors import active_roles

from .decorators import backoffice_required
from .tools import tools_for


@backoffice_required()
def home(request):
    return render(
        request,
        "backoffice/home.html",
        {"tools": tools_for(request.user), "roles": active_roles(request.user)},
    )
