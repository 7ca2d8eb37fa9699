from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "crm/home.html")


@login_required
def settings_index(request):
    return render(request, "crm/settings.html")
